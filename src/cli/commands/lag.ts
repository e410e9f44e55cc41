import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Command, CommandIo } from '../command.js';
import { evaluatePartition } from '../../domain/burrow/evaluate-partition.js';
import { formatWindow } from '../../domain/burrow/format-window.js';
import type { Commit, PartitionWindow } from '../../domain/burrow/partition-status.js';

const USAGE = 'eventlogging lag explain [--json] [FILE|-]';

const HELP = `${USAGE}

Evaluate one partition's offset-commit window with Burrow 1.9's consumer lag rules and print the
status and the rule that decided it.

Input (JSON, from FILE, or stdin when FILE is '-' or absent):
  {
    "window": [{"offset": N, "timestamp": MS, "lag": N|null}, ...],   oldest first
    "currentLag": N,                 broker head now - last committed offset
    "brokerOffsets": [N, ...],       optional: recent broker head offsets, newest first
    "now": MS,                       evaluation time, ms since the epoch
    "allowedLag": N,                 optional: current lag up to N is OK (not a Burrow rule)
    "minimumComplete": 0..1,         optional: Burrow evaluator minimum-complete (default 0)
    "intervals": N,                  optional: window capacity (default: the window's length)
    "topic": "name", "partition": N  optional: only used to print the alert-format line
  }

Options:
  --json      print exactly {"status": "OK|WARN|STOP|STALL|REWIND", "rule": "..."}
  -h, --help  show this help

Exit status: 0 whatever the verdict (this command explains a verdict, it does not alert);
2 for bad usage or bad input (the message names the field).`;

const KNOWN_FIELDS = new Set(['window', 'currentLag', 'brokerOffsets', 'now', 'allowedLag', 'minimumComplete', 'intervals', 'topic', 'partition']);

/** A bad input, reported with exit 2. */
class InputError extends Error {}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function requireCount(value: unknown, field: string): number {
  if (!isCount(value)) throw new InputError(`"${field}" must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks the parsed JSON field by field and builds the domain input; throws InputError naming the field. */
function toPartitionWindow(data: unknown): { input: PartitionWindow; topic: string; partition: number | string } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError('input must be a JSON object');
  const obj = data as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN_FIELDS.has(key)) throw new InputError(`unknown field "${key}" (known: ${[...KNOWN_FIELDS].join(', ')})`);
  }
  if (!('window' in obj)) throw new InputError('missing field "window"');
  if (!Array.isArray(obj.window)) throw new InputError('"window" must be an array of {offset, timestamp, lag}');
  const window: Commit[] = obj.window.map((entry: unknown, i: number) => {
    const at = `window[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new InputError(`"${at}" must be an object {offset, timestamp, lag}`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (key !== 'offset' && key !== 'timestamp' && key !== 'lag') throw new InputError(`unknown field "${at}.${key}"`);
    }
    for (const key of ['offset', 'timestamp', 'lag']) {
      if (!(key in e)) throw new InputError(`missing field "${at}.${key}"`);
    }
    const lag = e.lag === null ? null : requireCount(e.lag, `${at}.lag`);
    return { offset: requireCount(e.offset, `${at}.offset`), timestamp: requireCount(e.timestamp, `${at}.timestamp`), lag };
  });
  if (!('currentLag' in obj)) throw new InputError('missing field "currentLag"');
  if (!('now' in obj)) throw new InputError('missing field "now"');
  const input: {
    -readonly [K in keyof PartitionWindow]: PartitionWindow[K];
  } = { window, currentLag: requireCount(obj.currentLag, 'currentLag'), now: requireCount(obj.now, 'now') };
  if (obj.brokerOffsets !== undefined) {
    if (!Array.isArray(obj.brokerOffsets)) throw new InputError('"brokerOffsets" must be an array of offsets, newest first');
    input.brokerOffsets = obj.brokerOffsets.map((v: unknown, i: number) => requireCount(v, `brokerOffsets[${i}]`));
  }
  if (obj.allowedLag !== undefined) input.allowedLag = requireCount(obj.allowedLag, 'allowedLag');
  if (obj.intervals !== undefined) {
    input.intervals = requireCount(obj.intervals, 'intervals');
    if (input.intervals < window.length) throw new InputError(`"intervals" (${input.intervals}) is smaller than the window (${window.length} commits)`);
  }
  if (obj.minimumComplete !== undefined) {
    const m = obj.minimumComplete;
    if (typeof m !== 'number' || !(m >= 0 && m <= 1)) throw new InputError(`"minimumComplete" must be a number between 0 and 1, got ${JSON.stringify(m)}`);
    input.minimumComplete = m;
  }
  let topic = 'topic';
  if (obj.topic !== undefined) {
    if (typeof obj.topic !== 'string' || obj.topic === '') throw new InputError('"topic" must be a non-empty string');
    topic = obj.topic;
  }
  const partition: number | string = obj.partition === undefined ? 'partition' : requireCount(obj.partition, 'partition');
  return { input, topic, partition };
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
    built = toPartitionWindow(data);
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
    `now:         ${built.input.now}`,
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
