/**
 * Drives the intake with `wrk` (Debian's wrk 4, C, epoll) at its maximum rate: every request is a
 * distinct BenchEvent beacon (thread id and counter in `seq`), and a Lua `response` hook counts
 * the 204 answers exactly, which is what "accepted" means for the loss checks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSER_UA } from './daemon.js';

/** What one wrk run reports. */
export interface WrkResult {
  /** Responses read (any status). */
  readonly requests: number;
  /** Responses with status 204 (beacon accepted). */
  readonly accepted: number;
  /** Responses with any other status (503 = refused under backpressure). */
  readonly refused: number;
  readonly seconds: number;
  readonly socketErrors: number;
  readonly latencyP99Ms: number;
}

const SCRIPT = String.raw`
local threads = {}
local n = 0
function setup(thread)
  thread:set("tid", n)
  n = n + 1
  table.insert(threads, thread)
end
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function init(args)
  local revision = args[1]
  ok = 0
  bad = 0
  counter = 0
  wrk.headers["User-Agent"] = args[2]
  head = "/beacon/event?" .. enc('{"schema":"BenchEvent","revision":' .. revision .. ',"wiki":"benchwiki","webHost":"bench.example.org","event":{"seq":')
  mid = enc(',"sentAt":')
  tail = enc(',"source":"wrk"}}') .. ";"
  sentAt = os.time() * 1000
end
function request()
  counter = counter + 1
  return wrk.format("GET", head .. (tid * 1000000000 + counter) .. mid .. sentAt .. tail)
end
function response(status, headers, body)
  if status == 204 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local okt, badt = 0, 0
  for _, t in ipairs(threads) do
    okt = okt + t:get("ok")
    badt = badt + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"accepted":%d,"refused":%d,"durationUs":%d,"socketErrors":%d,"p99Us":%d}\n',
    summary.requests, okt, badt, summary.duration, e.connect + e.read + e.write + e.timeout, latency:percentile(99)))
end
`;

/** Runs wrk against `http://host:port` for `seconds` with BenchEvent beacons of `revision`. */
export async function runWrk(options: { host: string; port: number; seconds: number; revision: number; connections?: number; threads?: number }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'el-bench-wrk-'));
  const script = join(dir, 'beacons.lua');
  writeFileSync(script, SCRIPT);
  const args = [
    '-t', String(options.threads ?? 1), '-c', String(options.connections ?? 64), '-d', `${Math.max(1, Math.round(options.seconds))}s`,
    '--timeout', '10s', '-s', script, `http://${options.host}:${options.port}/`, '--', String(options.revision), BROWSER_UA,
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('exit', resolve); });
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}`);
  const r = JSON.parse(line.slice('WRK_JSON '.length)) as { requests: number; accepted: number; refused: number; durationUs: number; socketErrors: number; p99Us: number };
  return { requests: r.requests, accepted: r.accepted, refused: r.refused, seconds: r.durationUs / 1e6, socketErrors: r.socketErrors, latencyP99Ms: r.p99Us / 1000 };
}
