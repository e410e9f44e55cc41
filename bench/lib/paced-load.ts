/**
 * An open-loop load generator at a fixed offered rate (wrk 4 cannot pace, and wrk2 is not
 * packaged): Node's http client with a keep-alive agent, sending on a 5 ms tick whatever the
 * schedule says is due, whether or not earlier beacons were answered. Each beacon carries its send
 * time (`sentAt`, ms) so the latency to the row can be measured at the database.
 */
import { Agent, request } from 'node:http';
import { beaconPath, BROWSER_UA } from './daemon.js';

/** What one paced run did. */
export interface PacedResult {
  readonly offered: number;
  /** Beacons put on the wire (less than offered × seconds when the client or a socket cap fell behind). */
  readonly sent: number;
  readonly accepted: number;
  readonly refused: number;
  readonly errors: number;
  /** Beacons due while the client had `maxSockets × 16` requests unanswered: not sent at all. */
  readonly skipped: number;
  readonly seconds: number;
}

/**
 * Sends BenchEvent beacons of `revision` to `host:port` at `rate`/s for `seconds`; `seq` counts
 * from `firstSeq`. Resolves after every request was answered or failed.
 */
export async function pacedLoad(options: { host: string; port: number; rate: number; seconds: number; revision: number; firstSeq?: number; maxSockets?: number }): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const maxInFlight = (options.maxSockets ?? 256) * 16;
  let sent = 0;
  let accepted = 0;
  let refused = 0;
  let errors = 0;
  let inFlight = 0;
  let skipped = 0;
  let finished = false;
  let seq = options.firstSeq ?? 0;
  const total = Math.round(options.rate * options.seconds);
  let resolveIdle!: () => void;
  const idle = new Promise<void>((resolve) => { resolveIdle = resolve; });
  const settle = () => { inFlight--; if (inFlight === 0 && finished) resolveIdle(); };
  const send = () => {
    const path = beaconPath(options.revision, seq++, Date.now());
    sent++;
    inFlight++;
    const req = request({ host: options.host, port: options.port, path, agent, headers: { 'user-agent': BROWSER_UA } }, (res) => {
      if (res.statusCode === 204) accepted++;
      else refused++;
      res.resume();
      res.on('end', settle);
    });
    req.on('error', () => { errors++; settle(); });
    req.end();
  };
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate));
      // Past the socket cap the client itself is the bottleneck: skip rather than queue without bound.
      while (sent < due && inFlight < maxInFlight) send();
      if (sent < due && inFlight >= maxInFlight) { skipped += due - sent; sent = due; }
      if (sent >= total || performance.now() - started > options.seconds * 1000 + 1000) { clearInterval(timer); resolve(); }
    }, 5);
  });
  const seconds = (performance.now() - started) / 1000;
  finished = true;
  if (inFlight > 0) await idle;
  agent.destroy();
  return { offered: options.rate, sent: accepted + refused + errors, accepted, refused, errors, skipped, seconds };
}
