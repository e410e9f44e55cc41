import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { formatRawLine, isoSeconds } from '../../roles/intake/raw-line.js';
import type { OfferResult } from '../../roles/intake/line-batcher.js';
import { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { IntakeMetrics, RejectReason } from '../../roles/intake/intake-metrics.js';
import type { SeqAllocator } from '../../roles/intake/seq-allocator.js';

/** What the intake stamps on a server-side event. */
export interface ServerSideMeta {
  readonly recvFrom: string;
  readonly seqId: number;
  /** Receive time, ISO with `Z`, seconds precision. */
  readonly dt: string;
  readonly userAgent: string | undefined;
  readonly ip: string;
}

/** One submitted event after validation: a capsule for the schema topics, or an EventError. */
export type AcceptedEvent =
  | { readonly kind: 'valid'; readonly capsule: Readonly<Record<string, unknown>> }
  | { readonly kind: 'invalid'; readonly error: Readonly<Record<string, unknown>>; readonly message: string };

/** The server-side (`POST /v1/events`) half of the intake, injected. */
export interface ServerSideEvents {
  /** Validates and encapsulates one submitted object. Never rejects for a bad event. */
  accept(input: unknown, meta: ServerSideMeta): Promise<AcceptedEvent>;
  /** Produces capsules to their schema and mixed topics and EventErrors to the error topic; resolves once acknowledged. */
  produce(valid: ReadonlyArray<Readonly<Record<string, unknown>>>, invalid: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void>;
}

/** Everything the intake HTTP app needs; nothing is global. */
export interface IntakeAppDeps {
  readonly recvFrom: string;
  /** Longest accepted query string, in encoded bytes; longer beacons are answered 414 and dropped. */
  readonly maxQueryLength: number;
  /** Wall clock, ms since the epoch. */
  readonly clock: () => number;
  readonly seq: Pick<SeqAllocator, 'take' | 'ready'>;
  /** Queues one raw line for the output; never blocks. */
  readonly produceRaw: (line: string) => OfferResult;
  readonly metrics: IntakeMetrics;
  /** Absent when no schemas are configured: `/v1/events` then answers 503. */
  readonly events?: ServerSideEvents;
  readonly logger?: Logger;
  /** Largest `/v1/events` body, bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Time limits of one request; the defaults are {@link HTTP_LIMITS}. */
  readonly limits?: Partial<HttpLimits>;
}

/** The intake's HTTP limits (README "Limits"). */
export interface HttpLimits {
  /** A beacon's body is read and discarded; a longer one is answered 413. */
  readonly maxBeaconBodyBytes: number;
  /** Most events in one `/v1/events` request; more is answered 413 before any is looked at. */
  readonly maxEventsPerRequest: number;
  /** Time to receive the request line and headers; a slower client is closed with 408. */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included; a slower client is closed with 408. */
  readonly requestTimeoutMs: number;
  /** Room for the request line's path and the headers, on top of `maxQueryLength`. */
  readonly headerAllowanceBytes: number;
}

/** The defaults: generous for any browser or app, short for a client that drips bytes. */
export const HTTP_LIMITS: HttpLimits = Object.freeze({
  maxBeaconBodyBytes: 65_536,
  maxEventsPerRequest: 1_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  headerAllowanceBytes: 16_384,
});

/** Longest per-event message in a `/v1/events` answer (the EventError keeps the whole message). */
const MAX_ANSWER_MESSAGE = 300;

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, RejectReason]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout'],
  HPE_HEADER_OVERFLOW: [431, 'header_too_large'],
};

/**
 * Answers a request Node refused before routing it (too slow, headers too large, not HTTP) and
 * closes its connection, counting it; a reset connection is only closed.
 */
function clientError(metrics: IntakeMetrics): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'malformed' as const];
    metrics.requestRejected(reason);
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  };
}

/** The client address: the socket's, IPv4-mapped IPv6 written as plain IPv4. */
/** How long a refused body may go on arriving after its 413, read and discarded. */
const LINGER_MS = 2_000;

/**
 * Closes a connection whose request was refused while its body may still be arriving. Closing
 * at once leaves the client's unread bytes in the server's socket, and the kernel answers them
 * with a reset that can reach the client before it has read the 413 and make it drop the answer
 * (a loaded run saw "fetch failed" instead of 413). So, as a web server's lingering close: the
 * answer goes out and the sending side is closed (FIN), the rest of the body is read and
 * discarded until the client closes its side or for at most {@link LINGER_MS}, then the
 * connection is destroyed. Node closes a `Connection: close` response's socket with
 * `destroySoon()`, which this replaces for this one socket.
 */
function lingerThenClose(req: IncomingMessage): void {
  const socket = req.socket;
  // Only a real connection has one to close (an injected request's socket is a stand-in).
  if (!(socket instanceof Socket)) return;
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('end', () => {
      clearTimeout(timer);
      socket.destroy();
    });
    socket.resume();
  };
}

function clientIp(req: FastifyRequest): string {
  const ip = req.socket.remoteAddress ?? req.ip ?? '-';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

async function nextSeqId(seq: IntakeAppDeps['seq']): Promise<number | undefined> {
  const id = seq.take();
  if (id !== undefined) return id;
  try {
    await seq.ready();
  } catch {
    return undefined;
  }
  return seq.take();
}

/**
 * Builds the intake HTTP app without listening (tests use `inject()`):
 *
 * - `GET|POST /beacon/event?<url-encoded JSON>`: 204 at once and one raw line to the output;
 *   400 for an empty query, 414 for a query longer than `maxQueryLength` (the original dropped it
 *   silently with a success status; a client-visible status makes the drop diagnosable), 503 when
 *   the output is down or its backlog is full. Dropped beacons are counted by reason.
 * - `POST /v1/events` (JSON, one event or an array): validated at once; 201 all accepted,
 *   207 some (body lists errors by index), 400 none or a bad body, 503 output unavailable.
 */
export function buildIntakeApp(deps: IntakeAppDeps): FastifyInstance {
  const { metrics } = deps;
  const limits: HttpLimits = { ...HTTP_LIMITS, ...deps.limits };
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    // The beacon's query is taken raw from the URL; parsing it into an object is wasted work.
    routerOptions: { querystringParser: () => ({}) },
    // Node's header limit (16 KiB by default) would answer a long query 431 before the route's
    // own 414: size it from the query limit, so `--max-query-length` is the limit that applies.
    // Slow clients are checked every second (Node's default is every 30 s).
    http: {
      maxHeaderSize: deps.maxQueryLength + limits.headerAllowanceBytes,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    requestTimeout: limits.requestTimeoutMs,
    clientErrorHandler: clientError(metrics),
  });

  // A body over a limit is answered 413 and its connection closed, so the client cannot go on
  // sending the rest of it; closing lingers (see lingerThenClose) so that the client reads the 413.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') metrics.requestRejected('body_too_large');
      lingerThenClose(req.raw);
      return reply.code(413).header('connection', 'close').send();
    }
    if (status >= 500) deps.logger?.error({ err: error }, 'intake request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  const beacon = async (req: FastifyRequest, reply: FastifyReply) => {
    metrics.beaconReceived();
    const url = req.raw.url ?? '';
    const at = url.indexOf('?');
    const query = at < 0 ? '' : url.slice(at + 1);
    if (query === '' || query === ';') {
      metrics.beaconDropped('empty');
      return reply.code(400).send();
    }
    if (Buffer.byteLength(query) > deps.maxQueryLength) {
      metrics.beaconDropped('too_long');
      return reply.code(414).send();
    }
    const seqId = await nextSeqId(deps.seq);
    if (seqId === undefined) {
      metrics.beaconDropped('seq_unavailable');
      return reply.code(503).send();
    }
    const line = formatRawLine({
      query,
      recvFrom: deps.recvFrom,
      seqId,
      receivedAt: deps.clock(),
      ip: clientIp(req),
      userAgent: req.headers['user-agent'],
    });
    const result = deps.produceRaw(line);
    if (result === 'accepted') return reply.code(204).send();
    metrics.beaconDropped(result === 'backlog-full' ? 'backlog_full' : 'producer_down');
    return reply.code(503).send();
  };

  app.register(async (scope) => {
    // sendBeacon posts with arbitrary content types (text/plain, none); the payload is in the
    // query, so any body is read and discarded instead of being refused with 415.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (req, payload, done) => {
      const tooLarge = (): void => {
        metrics.beaconReceived();
        metrics.beaconDropped('body_too_large');
        done(Object.assign(new Error('beacon body too large'), { statusCode: 413 }), undefined);
      };
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > limits.maxBeaconBodyBytes) return tooLarge();
      let size = 0;
      let over = false;
      payload.on('error', done);
      payload.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBeaconBodyBytes && !over) {
          over = true;
          tooLarge();
        }
      });
      payload.on('end', () => {
        if (!over) done(null, undefined);
      });
    });
    scope.get('/beacon/event', beacon);
    scope.post('/beacon/event', beacon);
  });

  app.post('/v1/events', async (req, reply) => {
    const events = deps.events;
    if (!events) return reply.code(503).send({ error: 'server-side events are not configured (no --schemas-path or --schema-uri-base)' });
    const body = req.body;
    const list: unknown[] | undefined = Array.isArray(body) ? body : body !== null && typeof body === 'object' ? [body] : undefined;
    if (!list || list.length === 0) return reply.code(400).send({ error: 'expected a JSON object or a non-empty array of objects' });
    // Each event may become an EventError quoting it: the count is bounded before any is built.
    if (list.length > limits.maxEventsPerRequest) {
      metrics.requestRejected('too_many_events');
      return reply.code(413).send({ error: `at most ${limits.maxEventsPerRequest} events per request; split the batch` });
    }
    const dt = `${isoSeconds(deps.clock())}Z`;
    const userAgent = req.headers['user-agent'];
    const ip = clientIp(req);
    const valid: Array<Readonly<Record<string, unknown>>> = [];
    const invalid: Array<Readonly<Record<string, unknown>>> = [];
    const errors: Array<{ index: number; message: string }> = [];
    for (const [index, input] of list.entries()) {
      const seqId = await nextSeqId(deps.seq);
      if (seqId === undefined) return reply.code(503).send({ error: 'seqId state cannot be persisted' });
      const result = await events.accept(input, { recvFrom: deps.recvFrom, seqId, dt, userAgent, ip });
      if (result.kind === 'valid') {
        valid.push(result.capsule);
        metrics.event('valid');
      } else {
        invalid.push(result.error);
        errors.push({ index, message: result.message.length > MAX_ANSWER_MESSAGE ? `${result.message.slice(0, MAX_ANSWER_MESSAGE)}…` : result.message });
        metrics.event('invalid');
      }
    }
    try {
      await events.produce(valid, invalid);
    } catch (error) {
      deps.logger?.warn({ err: error }, 'server-side events could not be produced');
      return reply.code(503).send({ error: 'events could not be produced; retry later' });
    }
    const code = errors.length === 0 ? 201 : valid.length === 0 ? 400 : 207;
    return reply.code(code).send({ accepted: valid.length, rejected: errors.length, errors });
  });

  return app;
}
