import { parseArgs } from 'node:util';
import type { Command, CommandIo } from '../command.js';
import { ElError } from '../../domain/errors.js';

const USAGE = 'eventlogging status [--admin URL] [--json] [--timeout MS]';

const HELP = `${USAGE}

Fetch /status from a running daemon (eventlogging run) and print its roles, supervisor states,
per-partition actor states, lag and Burrow verdicts (status and the rule that decided it).

Options:
  --admin URL     the daemon's admin server (default http://127.0.0.1:9180; HOST:PORT also works)
  --json          print the /status document as JSON instead of tables
  --timeout MS    give up on the daemon after MS milliseconds (default 5000)
  -h, --help      show this help

Exit status: 0 when the daemon is running, every role is healthy and every consumer group's
verdict is OK (or not yet known: no commits so far); 1 otherwise; 2 when the daemon cannot be
reached or answers something that is not a /status document, or for bad usage.`;

/** The parts of the daemon's `/status` this command reads (see `startDaemon` and `RoleLagView`). */
interface StatusDocument {
  startedAt?: string;
  state?: unknown;
  roles: Array<{
    kind: string;
    name: string;
    state: string;
    healthy: boolean;
    ready: boolean;
    lag?: {
      group: string;
      supervisorState: string;
      status: string;
      complete: number;
      totalLag: number;
      partitions: Array<{
        topic: string; partition: number; state: string; inFlight: number | null; lag: number;
        status: string; rule: string; explanation: string;
      }>;
    };
  }>;
}

/** Group verdicts that do not make the command fail: OK, and NOTFOUND (no commit seen yet). */
const FINE = new Set(['OK', 'NOTFOUND']);

function isStatusDocument(value: unknown): value is StatusDocument {
  if (typeof value !== 'object' || value === null) return false;
  const roles = (value as { roles?: unknown }).roles;
  return Array.isArray(roles) && roles.every((r) => typeof r === 'object' && r !== null && typeof r.name === 'string' && typeof r.kind === 'string');
}

/** Left-aligned columns separated by two spaces. */
function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const daemonState = (doc: StatusDocument): string => (typeof doc.state === 'string' ? doc.state : JSON.stringify(doc.state ?? 'unknown'));

/** Everything that makes the exit status 1, one sentence each. */
function problems(doc: StatusDocument): string[] {
  const out: string[] = [];
  if (daemonState(doc) !== 'running') out.push(`daemon is ${daemonState(doc)}, not running`);
  for (const role of doc.roles) {
    const id = `${role.kind}/${role.name}`;
    if (!role.healthy) out.push(`${id}: not healthy (state ${role.state})`);
    if (role.lag && !FINE.has(role.lag.status)) {
      out.push(`${id}: group ${role.lag.group} is ${role.lag.status}`);
      for (const p of role.lag.partitions.filter((x) => x.status !== 'OK')) {
        out.push(`  ${p.topic}:${p.partition} ${p.status} (${p.rule}): ${p.explanation}`);
      }
    }
  }
  return out;
}

function render(doc: StatusDocument, url: string): string {
  const lines: string[] = [`daemon ${url}: ${daemonState(doc)}${doc.startedAt ? `, started ${doc.startedAt}` : ''}`, ''];
  if (doc.roles.length === 0) lines.push('no roles configured');
  else {
    lines.push(...table(
      ['ROLE', 'STATE', 'HEALTHY', 'READY', 'GROUP', 'VERDICT', 'LAG'],
      doc.roles.map((r) => [
        `${r.kind}/${r.name}`, r.state, r.healthy ? 'yes' : 'NO', r.ready ? 'yes' : 'no',
        r.lag?.group ?? '-', r.lag?.status ?? '-', r.lag ? String(r.lag.totalLag) : '-',
      ]),
    ));
  }
  for (const r of doc.roles) {
    if (!r.lag) continue;
    lines.push('', `${r.kind}/${r.name}: group ${r.lag.group}, consumer ${r.lag.supervisorState}, complete ${Math.round(r.lag.complete * 100)}%`);
    if (r.lag.partitions.length === 0) {
      lines.push('  no partitions assigned');
      continue;
    }
    lines.push(...table(
      ['TOPIC', 'PARTITION', 'ACTOR', 'IN-FLIGHT', 'LAG', 'STATUS', 'RULE'],
      r.lag.partitions.map((p) => [p.topic, String(p.partition), p.state, p.inFlight === null ? '-' : String(p.inFlight), String(p.lag), p.status, p.rule]),
    ).map((l) => `  ${l}`));
  }
  const found = problems(doc);
  lines.push('', found.length === 0 ? 'all healthy' : 'problems:', ...found.map((p) => `  ${p}`), '');
  return lines.join('\n');
}

/** `http://host:port` from `--admin` (a bare HOST:PORT gets `http://`), without a trailing slash. */
function adminBase(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ElError('EL_USAGE', `--admin: not a URL: '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ElError('EL_USAGE', `--admin: expected an http(s) URL, got '${value}'`);
  return url.href.replace(/\/+$/, '');
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { admin: { type: 'string' }, json: { type: 'boolean', default: false }, timeout: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    throw new ElError('EL_USAGE', `${(error as Error).message}\nusage: ${USAGE}`);
  }
  const base = adminBase(values.admin ?? 'http://127.0.0.1:9180');
  const timeoutMs = values.timeout === undefined ? 5000 : Number(values.timeout);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new ElError('EL_USAGE', `--timeout: expected a positive number of milliseconds, got '${values.timeout}'`);
  const url = `${base}/status`;
  let doc: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) {
      io.stderr.write(`eventlogging status: ${url} answered HTTP ${res.status}; is this an eventlogging daemon's admin server?\n`);
      return 2;
    }
    doc = await res.json();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    io.stderr.write(`eventlogging status: cannot reach the daemon at ${base} (${why}). Is 'eventlogging run' running, and is --admin right?\n`);
    return 2;
  }
  if (!isStatusDocument(doc)) {
    io.stderr.write(`eventlogging status: ${url} did not answer a /status document (no "roles" list)\n`);
    return 2;
  }
  io.stdout.write(values.json ? `${JSON.stringify(doc, null, 2)}\n` : render(doc, base));
  return problems(doc).length === 0 ? 0 : 1;
}

/** `eventlogging status`: the daemon's roles, partitions, lag and Burrow verdicts; exit 0 healthy, 1 not, 2 unreachable. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'Print roles, supervisor states, partitions, lag and verdicts from a running daemon.',
  help: HELP,
  run,
};
