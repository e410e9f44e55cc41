import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDir } from '../../../src/config/load-config-dir.js';

test('a bad FORMAT, a missing schemas directory and a consumer reading stdin are each refused naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-config-'));
  mkdirSync(join(dir, 'processors'));
  mkdirSync(join(dir, 'consumers'));
  writeFileSync(join(dir, 'processors', 'client-side'), '%q %x\nkafka:///127.0.0.1:9092?topics=raw&identity=g\nstdout://\n--schemas-path\nschemas\n');
  writeFileSync(join(dir, 'consumers', 'mysql'), 'stdin://\nmysql://root:@127.0.0.1:3306/test\n--schemas-path\n/nonexistent\n');
  assert.throws(() => loadConfigDir(dir), (error: Error) => {
    assert.match(error.message, new RegExp(`${join(dir, 'processors', 'client-side')}: FORMAT: .*unknown specifier`));
    assert.match(error.message, new RegExp(`${join(dir, 'consumers', 'mysql')}: INPUT: a consumer reads kafka.*--schemas-path: /nonexistent is not a directory`));
    return true;
  });
});
