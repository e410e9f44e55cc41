/**
 * Domain-path throughput of the processor on one core: raw line → parse → decode → capsule →
 * validate → route (serialise), over a generated realistic log (9 in 10 valid, three schemas,
 * a rotating set of real user agents). Prints events/s; no network, no Kafka.
 *
 *   node --import tsx bench/processor-pipe.ts [EVENTS]
 */
import type { Checked } from '../src/streams/route.js';
import { rawCase, FORMAT } from '../test/fixtures/processor/raw-lines.js';
import { built } from './lib/built.js';

// The build, as production runs it (see bench/lib/built.ts), like the processor it is compared with.
const { parseProcessorArgs } = await built<typeof import('../src/config/parse-role-args.js')>('config/parse-role-args.js');
const { createProcessorCore } = await built<typeof import('../src/roles/processor/processor-core.js')>('roles/processor/processor-core.js');
const { routeChecked } = await built<typeof import('../src/streams/route.js')>('streams/route.js');

/** A realistic mix: mostly valid events (the fixture's 7/10 valid lines, plus valid repeats). */
export function benchLines(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = rawCase(i % 10 >= 7 && i % 30 !== 7 ? i - 5 : i, `cp${1000 + (i % 40)}.eqiad.wmnet`);
    lines.push(c.line.replace(/\t\d+\t/, `\t${i}\t`));
  }
  return lines;
}

/** Runs the domain path over `lines` and returns events/s (after a warm-up pass). */
export async function domainRate(lines: readonly string[]): Promise<{ rate: number; valid: number; bytes: number }> {
  const config = parseProcessorArgs([FORMAT, 'stdin://', 'stdout://', 'stdout://', '--output-invalid', '--schemas-path', 'schemas']);
  const core = createProcessorCore(config);
  const once = async (input: readonly string[]) => {
    let valid = 0;
    let bytes = 0;
    for (const line of input) {
      const r = core.check({ value: line });
      const checked: Checked = r instanceof Promise ? await r : r;
      if (checked.kind === 'valid') valid++;
      for (const m of routeChecked(core.route, checked)) bytes += m.value.length;
    }
    return { valid, bytes };
  };
  await once(lines.slice(0, 2000));
  const started = process.hrtime.bigint();
  const { valid, bytes } = await once(lines);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: lines.length / seconds, valid, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 200_000);
  const lines = benchLines(count);
  const { rate, valid, bytes } = await domainRate(lines);
  process.stdout.write(`processor domain path: ${count} events (${valid} valid), ${Math.round(rate)} events/s on one core, ${(bytes / count).toFixed(0)} output bytes/event; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
}
