import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTableDdl, parseTableOwnerComment, tableOwnerComment, insertColumns, insertIgnoreSql } from '../../../../src/domain/table/table-ddl.js';
import { tableFor } from '../../../../src/domain/table/table-mapping.js';

const table = tableFor('Edit', 1, { properties: { action: { type: 'string', required: true }, 'x`y': { type: 'integer' } } });

test('CREATE TABLE IF NOT EXISTS with keys, InnoDB and utf8mb4; identifiers quoted', () => {
  assert.equal(createTableDdl(table), [
    'CREATE TABLE IF NOT EXISTS `Edit_1` (',
    '  `id` BIGINT NOT NULL AUTO_INCREMENT,',
    '  `uuid` CHAR(32) NOT NULL,',
    '  `dt` DATETIME NULL DEFAULT NULL,',
    '  `timestamp` VARCHAR(14) NULL DEFAULT NULL,',
    '  `wiki` VARCHAR(64) NULL DEFAULT NULL,',
    '  `webHost` VARCHAR(255) NULL DEFAULT NULL,',
    '  `userAgent` TEXT NULL DEFAULT NULL,',
    '  `event_action` VARCHAR(1024) NULL DEFAULT NULL,',
    '  `event_x``y` BIGINT NULL DEFAULT NULL,',
    '  PRIMARY KEY (`id`),',
    '  UNIQUE KEY `ix_uuid` (`uuid`),',
    '  KEY `ix_timestamp` (`timestamp`),',
    '  KEY `ix_dt` (`dt`)',
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='eventlogging schema=Edit revision=1'",
  ].join('\n'));
});

test('the owner comment names the schema and revision, and only ours parse', () => {
  assert.deepEqual(parseTableOwnerComment(tableOwnerComment('Foo.Bar', 3)), { schema: 'Foo.Bar', revision: 3 });
  for (const other of ['', 'users of 2024', 'eventlogging schema=', 'eventlogging schema=A revision=x']) assert.equal(parseTableOwnerComment(other), undefined, other);
});

test('insert columns leave out id; INSERT IGNORE has one placeholder tuple per row', () => {
  assert.deepEqual(insertColumns(table).map((c) => c.name), ['uuid', 'dt', 'timestamp', 'wiki', 'webHost', 'userAgent', 'event_action', 'event_x`y']);
  const tuple = '(?, ?, ?, ?, ?, ?, ?, ?)';
  assert.equal(insertIgnoreSql(table, 2), `INSERT IGNORE INTO \`Edit_1\` (\`uuid\`, \`dt\`, \`timestamp\`, \`wiki\`, \`webHost\`, \`userAgent\`, \`event_action\`, \`event_x\`\`y\`) VALUES ${tuple}, ${tuple}`);
  assert.throws(() => insertIgnoreSql(table, 0), RangeError);
});
