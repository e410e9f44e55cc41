import type { CommandIo } from './command.js';
import type { RoleConfig, RoleKind } from '../domain/config/role-config.js';
import type { RoleFactory } from '../daemon/role.js';
import { createLogger } from '../observability/logger.js';
import { createRegistry } from '../observability/metrics.js';

/**
 * Runs one role standalone (the `intake`, `processor` and `consumer` commands) until a stop
 * signal, then drains it. Logs go to stderr when the role writes its data to stdout, so the two
 * never mix.
 */
export async function runRoleStandalone(kind: RoleKind, config: RoleConfig, factory: RoleFactory, io: CommandIo, dataOnStdout: boolean): Promise<number> {
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'info', ...(dataOnStdout && { destination: io.stderr as never }) });
  const name = config.kind;
  let failed: Error | undefined;
  let fail: () => void = () => undefined;
  const failure = new Promise<void>((resolve) => { fail = resolve; });
  const role = factory({ kind, name, file: '<command line>', config }, {
    logger: logger.child({ role: `${kind}/${name}` }),
    registry: createRegistry(),
    onFatal: (error) => {
      failed = error;
      logger.fatal({ err: error }, `${name} failed`);
      fail();
    },
  });
  const stopped = new Promise<void>((resolve) => {
    if (io.stopSignal.aborted) resolve();
    else io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  await role.start();
  await Promise.race([stopped, failure]);
  logger.info(`stopping ${name}`);
  await role.stop();
  logger.flush();
  return failed ? 1 : 0;
}
