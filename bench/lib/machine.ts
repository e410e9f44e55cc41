/**
 * The machine a benchmark ran on, recorded next to every figure so a reader can tell whether two
 * runs are comparable.
 */
import { cpus, release, totalmem, type as osType } from 'node:os';
import { readFileSync } from 'node:fs';

/** What `bench/results/latest.json` records about the machine. */
export interface MachineDescription {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryMb: number;
  readonly node: string;
  readonly kernel: string;
  readonly os: string;
  readonly date: string;
}

/** Describes this machine (cpus, memory, node version, kernel) and the current date. */
export function describeMachine(): MachineDescription {
  let os: string = osType();
  try {
    const line = readFileSync('/etc/os-release', 'utf8').split('\n').find((l) => l.startsWith('PRETTY_NAME='));
    if (line) os = line.slice('PRETTY_NAME='.length).replace(/"/g, '');
  } catch { /* not Linux: keep os.type() */ }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    kernel: release(),
    os,
    date: new Date().toISOString(),
  };
}

/** `EL_BENCH_SCALE` (default 1): multiplies every event count and duration, so a smoke run stays short. */
export function benchScale(): number {
  const raw = process.env.EL_BENCH_SCALE ?? '1';
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`EL_BENCH_SCALE must be a positive number, got '${raw}'`);
  return scale;
}

/** `n × scale`, rounded, at least `min`. */
export function scaled(n: number, min = 1): number {
  return Math.max(min, Math.round(n * benchScale()));
}
