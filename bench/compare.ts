/**
 * Before and after, same machine, same hour: the processor, the MySQL consumer and the intake of
 * a baseline commit (default d44eb04, the last build on kafkajs and our own produce protocol)
 * and of this tree, each run in a fresh process, the two builds alternating round by round so
 * that the machine's drift (up to a third within an hour here) falls on both. Reports every run,
 * the median and the spread of each, and the ratio of the medians.
 *
 * The baseline is checked out as a git worktree under .cache/bench-baseline/<commit> with its own
 * `npm ci` and build (kept for the next run). EL_BENCH_BASELINE picks the commit (`none` skips the
 * part), EL_BENCH_ROUNDS the rounds (default 3). Needs Kafka, MariaDB and dist/ (bench/run).
 *
 *   node --import tsx bench/compare.ts      prints the JSON
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/daemon.js';
import { scaled } from './lib/machine.js';

/** The last build on kafkajs with our own produce protocol. */
export const DEFAULT_BASELINE = 'd44eb04';

/** One figure of one build: every run, its median and its range. */
export interface Series {
  readonly runs: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One figure, both builds. */
export interface Compared {
  readonly baseline: Series;
  readonly current: Series;
  /** current median / baseline median. */
  readonly ratio: number;
}

export interface Comparison {
  readonly baseline: string;
  readonly current: string;
  readonly rounds: number;
  readonly processorEventsPerSec: Compared;
  readonly consumerRowsPerSec: Compared;
  /** Each build's consumer against raw INSERT IGNORE measured in the same run. */
  readonly consumerRatioToRawInsert: Compared;
  readonly intakeBeaconsPerSec: Compared;
}

const log = (msg: string) => process.stderr.write(`bench compare: ${msg}\n`);

function series(runs: number[]): Series {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runs, median, min: sorted[0]!, max: sorted.at(-1)! };
}

function compared(baseline: number[], current: number[]): Compared {
  const b = series(baseline);
  const c = series(current);
  return { baseline: b, current: c, ratio: c.median / b.median };
}

/** The baseline's worktree, checked out, installed and built once. */
function baselineTree(commit: string): string {
  const full = execFileSync('git', ['rev-parse', `${commit}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = join(ROOT, '.cache/bench-baseline', full.slice(0, 12));
  if (existsSync(join(dir, '.built'))) return dir;
  log(`checking out ${full.slice(0, 12)} into ${dir} (npm ci and build, about a minute)`);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('git', ['worktree', 'prune'], { cwd: ROOT });
  execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, full], { cwd: ROOT, stdio: 'ignore' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (existsSync(join(dir, 'scripts/native-build'))) execFileSync('bash', ['scripts/native-build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  execFileSync('touch', [join(dir, '.built')]);
  return dir;
}

/** Runs one bench script of a tree in a fresh process; its stdout. */
async function runIn(tree: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { err += String(d); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} in ${tree} exited with ${code}:\n${out}\n${err.slice(-2000)}`);
  return out;
}

async function processorRate(tree: string, events: number): Promise<number> {
  const out = await runIn(tree, ['bench/processor-kafka.ts', String(events), '4']);
  const m = /= (\d+) events\/s/.exec(out);
  if (!m) throw new Error(`no events/s in: ${out}`);
  return Number(m[1]);
}

async function consumerRates(tree: string): Promise<{ rowsPerSec: number; ratio: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'el-compare-'));
  try {
    await runIn(tree, ['bench/consumer.ts'], { EL_BENCH_RESULTS_DIR: dir });
    const r = JSON.parse(readFileSync(join(dir, 'consumer.json'), 'utf8')) as { rowsPerSec?: number; ratioToRawInsert?: number; consumer?: { rowsPerSec?: number; ratioToRawInsert?: number } };
    const rowsPerSec = r.rowsPerSec ?? r.consumer?.rowsPerSec;
    const ratio = r.ratioToRawInsert ?? r.consumer?.ratioToRawInsert;
    if (rowsPerSec === undefined || ratio === undefined) throw new Error(`no rowsPerSec in ${tree}'s consumer.json`);
    return { rowsPerSec, ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function intakeRate(tree: string): Promise<number> {
  const out = await runIn(tree, ['bench/intake.ts']);
  return (JSON.parse(out) as { beaconsPerSec: number }).beaconsPerSec;
}

/** Measures both builds, alternating, `rounds` times each. */
export async function runComparison(baselineCommit = process.env.EL_BENCH_BASELINE ?? DEFAULT_BASELINE, rounds = Number(process.env.EL_BENCH_ROUNDS ?? 3)): Promise<Comparison> {
  const baseline = baselineTree(baselineCommit);
  const current = ROOT;
  const events = scaled(200_000, 2000);
  const runs = { processor: [[], []], consumer: [[], []], ratio: [[], []], intake: [[], []] } as Record<string, [number[], number[]]>;
  for (let round = 1; round <= rounds; round += 1) {
    // The order alternates too, so neither build always runs on a warmer broker.
    const order: Array<[string, 0 | 1]> = round % 2 ? [[baseline, 0], [current, 1]] : [[current, 1], [baseline, 0]];
    for (const [tree, i] of order) {
      log(`round ${round}/${rounds}: ${i === 0 ? 'baseline' : 'current'}`);
      runs.processor![i].push(await processorRate(tree, events));
      const c = await consumerRates(tree);
      runs.consumer![i].push(c.rowsPerSec);
      runs.ratio![i].push(c.ratio);
      runs.intake![i].push(await intakeRate(tree));
    }
  }
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  return {
    baseline: execFileSync('git', ['rev-parse', '--short=12', `${baselineCommit}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim(),
    current: `${head}${dirty ? ' with uncommitted changes' : ''}`,
    rounds,
    processorEventsPerSec: compared(...runs.processor!),
    consumerRowsPerSec: compared(...runs.consumer!),
    consumerRatioToRawInsert: compared(...runs.ratio!),
    intakeBeaconsPerSec: compared(...runs.intake!),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await runComparison(), null, 2)}\n`);
}
