import { pino, destination, stdSerializers, stdTimeFunctions, type Logger, type DestinationStream } from 'pino';

/** The one root logger: JSON lines to stdout (or `destination`), level from `LOG_LEVEL`. */
export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'eventlogging',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      // Our ElErrors carry `code`, `flags`, `details` as enumerable fields; the serializer keeps them.
      serializers: { err: stdSerializers.err, error: stdSerializers.err },
    },
    options.destination ?? destination({ fd: 1, sync: false }),
  );
}

export type { Logger };
