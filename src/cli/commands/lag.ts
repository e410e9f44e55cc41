import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Command, CommandIo } from '../command.js';
import { evaluatePartition } from '../../domain/burrow/evaluate-partition.js';
import { formatWindow } from '../../domain/burrow/format-window.js';
import type { Commit, PartitionWindow } from '../../domain/burrow/partition-status.js';

const USAGE = 'eventlogging lag explain [--json] [FILE|-]';

const HELP = `${USAGE}

Evaluate one partition's offset-commit window with Burrow's consumer lag rules (the evaluator of
Burrow 1.9, unchanged since its PR #716) and print the status and the rule that decided it.

Input (JSON, from FILE, or stdin when FILE is '-' or absent), either this:
  {
    "window": [{"offset": N, "timestamp": MS, "lag": N|null}, ...],   oldest first
    "currentLag": N,                 broker head now - last committed offset
    "brokerOffsets": [N, ...],       optional: recent broker head offsets, newest first
    "now": MS,                       optional: evaluation time, ms since the epoch (default: now)
    "allowedLag": N,                 optional: Burrow evaluator allowed-lag (default 0)
    "minimumComplete": 0..1,         optional: Burrow evaluator minimum-complete (default 0)
    "intervals": N,                  optional: window capacity (default: the window's length)
    "topic": "name", "partition": N  optional: only used to print the alert-format line
  }
or one partition as Burrow's /v3/kafka/<cluster>/consumer/<group> answer shows it, pasted as is:
  {"offsets": [null, ..., {"offset": N, "timestamp": MS, "observedAt": MS, "lag": N|null}, ...],
   "owner": "...", "client_id": "...", "current-lag": N}
Leading nulls are the window's unused slots (they count toward its capacity, as in Burrow);
"observedAt" is accepted and not used (Burrow judges by commit time); an "order" on every entry
(Burrow's arrival order) sorts the window by it. "current_lag" is accepted for "currentLag".

Options:
  --json      print exactly {"status": "OK|WARN|STOP|STALL|REWIND", "rule": "..."}
  -h, --help  show this help

Exit status: 0 whatever the verdict (this command explains a verdict, it does not alert);
2 for bad usage or bad input (the message names the field).`;

const KNOWN_FIELDS = new Set([
  'window', 'offsets', 'currentLag', 'current-lag', 'current_lag', 'brokerOffsets', 'now', 'allowedLag', 'minimumComplete',
  'intervals', 'topic', 'partition', 'owner', 'client_id',
]);
const ENTRY_FIELDS = new Set(['offset', 'timestamp', 'lag', 'observedAt', 'order']);

/** A bad input, reported with exit 2. */
class InputError extends Error {}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function requireCount(value: unknown, field: string): number {
  if (!isCount(value)) throw new InputError(`"${field}" must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

/** The one field of `names` the object has (they are spellings of one field), or undefined. */
function oneOf(obj: Record<string, unknown>, names: readonly string[]): { name: string; value: unknown } | undefined {
  const present = names.filter((n) => n in obj);
  if (present.length > 1) throw new InputError(`give one of ${present.map((n) => `"${n}"`).join(', ')}, not several`);
  return present.length === 0 ? undefined : { name: present[0]!, value: obj[present[0]!] };
}

/** The window's entries, checked; leading nulls are unused slots (Burrow's ring), counted in `slots`. */
function toWindow(name: string, entries: readonly unknown[]): { window: Commit[]; slots: number } {
  let leading = 0;
  while (leading < entries.length && entries[leading] === null) leading++;
  const window: Commit[] = entries.slice(leading).map((entry: unknown, k: number) => {
    const at = `${name}[${leading + k}]`;
    if (entry === null) throw new InputError(`"${at}" is null after a commit: only unused slots at the start may be null`);
    if (typeof entry !== 'object' || Array.isArray(entry)) throw new InputError(`"${at}" must be an object {offset, timestamp, lag}`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!ENTRY_FIELDS.has(key)) throw new InputError(`unknown field "${at}.${key}" (known: ${[...ENTRY_FIELDS].join(', ')})`);
    }
    for (const key of ['offset', 'timestamp', 'lag']) {
      if (!(key in e)) throw new InputError(`missing field "${at}.${key}"`);
    }
    const lag = e.lag === null ? null : requireCount(e.lag, `${at}.lag`);
    if (e.observedAt !== undefined) requireCount(e.observedAt, `${at}.observedAt`);
    const commit = { offset: requireCount(e.offset, `${at}.offset`), timestamp: requireCount(e.timestamp, `${at}.timestamp`), lag };
    return e.order === undefined ? commit : { ...commit, order: requireCount(e.order, `${at}.order`) };
  });
  const ordered = window.filter((c) => c.order !== undefined).length;
  if (ordered !== 0 && ordered !== window.length) throw new InputError(`"${name}": give "order" on every entry or on none`);
  // Burrow's storage keeps a window sorted by arrival order; the evaluator reads it as it is.
  if (ordered !== 0) window.sort((a, b) => a.order! - b.order!);
  return { window, slots: entries.length };
}

/** Checks the parsed JSON field by field and builds the domain input; throws InputError naming the field. */
function toPartitionWindow(data: unknown, clock: () => number): { input: PartitionWindow; topic: string; partition: number | string; nowGiven: boolean } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError('input must be a JSON object');
  const obj = data as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN_FIELDS.has(key)) throw new InputError(`unknown field "${key}" (known: ${[...KNOWN_FIELDS].join(', ')})`);
  }
  const windowField = oneOf(obj, ['window', 'offsets']);
  if (windowField === undefined) throw new InputError('missing field "window" (or Burrow\'s "offsets")');
  if (!Array.isArray(windowField.value)) throw new InputError(`"${windowField.name}" must be an array of {offset, timestamp, lag}`);
  const { window, slots } = toWindow(windowField.name, windowField.value);
  const lagField = oneOf(obj, ['currentLag', 'current-lag', 'current_lag']);
  if (lagField === undefined) throw new InputError('missing field "currentLag" (or Burrow\'s "current-lag")');
  const nowGiven = obj.now !== undefined;
  const input: {
    -readonly [K in keyof PartitionWindow]: PartitionWindow[K];
  } = { window, currentLag: requireCount(lagField.value, lagField.name), now: nowGiven ? requireCount(obj.now, 'now') : clock() };
  if (slots > window.length) input.intervals = slots;
  if (obj.brokerOffsets !== undefined) {
    if (!Array.isArray(obj.brokerOffsets)) throw new InputError('"brokerOffsets" must be an array of offsets, newest first');
    input.brokerOffsets = obj.brokerOffsets.map((v: unknown, i: number) => requireCount(v, `brokerOffsets[${i}]`));
  }
  if (obj.allowedLag !== undefined) input.allowedLag = requireCount(obj.allowedLag, 'allowedLag');
  if (obj.intervals !== undefined) {
    input.intervals = requireCount(obj.intervals, 'intervals');
    if (input.intervals < slots) throw new InputError(`"intervals" (${input.intervals}) is smaller than the window (${slots} slots)`);
  }
  if (obj.minimumComplete !== undefined) {
    const m = obj.minimumComplete;
    if (typeof m !== 'number' || !(m >= 0 && m <= 1)) throw new InputError(`"minimumComplete" must be a number between 0 and 1, got ${JSON.stringify(m)}`);
    input.minimumComplete = m;
  }
  for (const key of ['owner', 'client_id']) {
    if (obj[key] !== undefined && typeof obj[key] !== 'string') throw new InputError(`"${key}" must be a string`);
  }
  let topic = 'topic';
  if (obj.topic !== undefined) {
    if (typeof obj.topic !== 'string' || obj.topic === '') throw new InputError('"topic" must be a non-empty string');
    topic = obj.topic;
  }
  const partition: number | string = obj.partition === undefined ? 'partition' : requireCount(obj.partition, 'partition');
  return { input, topic, partition, nowGiven };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function explain(args: readonly string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`eventlogging lag: ${(error as Error).message}\nusage: ${USAGE}\n`);
    return 2;
  }
  if (parsed.positionals.length > 1) {
    io.stderr.write(`eventlogging lag: at most one FILE, got ${parsed.positionals.length}\nusage: ${USAGE}\n`);
    return 2;
  }
  const file = parsed.positionals[0] ?? '-';
  let text: string;
  try {
    text = file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    io.stderr.write(`eventlogging lag: cannot read ${file}: ${(error as Error).message}\n`);
    return 2;
  }
  let built;
  try {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new InputError(`input is not JSON: ${(error as Error).message}`);
    }
    built = toPartitionWindow(data, Date.now);
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr.write(`eventlogging lag: ${file === '-' ? 'stdin' : file}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const verdict = evaluatePartition(built.input);
  if (parsed.values.json) {
    io.stdout.write(`${JSON.stringify({ status: verdict.status, rule: verdict.rule })}\n`);
    return 0;
  }
  io.stdout.write([
    `status:      ${verdict.status}`,
    `rule:        ${verdict.rule}`,
    `window:      ${formatWindow(built.topic, built.partition, verdict.start, verdict.end)}`,
    `             (timestamp, offset, lag); ${built.input.window.length} commits, complete ${verdict.complete}`,
    `current lag: ${verdict.currentLag}`,
    `now:         ${built.input.now}${built.nowGiven ? '' : ' (the clock: the input gave no "now")'}`,
    `why:         ${verdict.explanation}`,
    '',
  ].join('\n'));
  return 0;
}

/** `eventlogging lag explain`: evaluates one partition window with the Burrow rules and explains the verdict. */
export const lagCommand: Command = {
  name: 'lag',
  summary: 'Explain a Burrow verdict for one partition window.',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'explain') {
      io.stderr.write(`eventlogging lag: ${sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`}\nusage: ${USAGE}\n`);
      return 2;
    }
    return explain(rest, io);
  },
};
