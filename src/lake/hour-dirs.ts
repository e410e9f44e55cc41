/**
 * The hour folders of a lake database: `<root>/<database>/<table>/year=/month=/day=/hour=`, found
 * by walking exactly those four levels (anything else in the tree is passed over).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHourPath, type LakeDatabase, type LakeHour } from '../domain/lake/lake-layout.js';

/** One hour folder. */
export interface HourDir {
  readonly table: string;
  readonly hour: LakeHour;
  /** Its absolute path. */
  readonly dir: string;
}

async function folders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Every hour folder of `database` under `root` (of one table when given), in path order. */
export async function hourDirs(root: string, database: LakeDatabase, table?: string): Promise<HourDir[]> {
  const out: HourDir[] = [];
  const tables = table === undefined ? await folders(join(root, database)) : [table];
  for (const t of tables) {
    let paths = [join(root, database, t)];
    for (let level = 0; level < 4; level += 1) {
      const next: string[] = [];
      for (const p of paths) for (const name of await folders(p)) next.push(join(p, name));
      paths = next;
    }
    for (const dir of paths) {
      const hour = parseHourPath(dir);
      if (hour) out.push({ table: t, hour, dir });
    }
  }
  return out;
}
