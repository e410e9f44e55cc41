import type { Command } from '../command.js';
import { auditCommand } from './audit.js';
import { consumerCommand } from './consumer.js';
import { intakeCommand } from './intake.js';
import { lakeCommand } from './lake.js';
import { lagCommand } from './lag.js';
import { offsetsCommand } from './offsets.js';
import { processorCommand } from './processor.js';
import { purgeCommand } from './purge.js';
import { queryCommand } from './query.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { tailCommand } from './tail.js';

/** Every subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  runCommand,
  processorCommand,
  consumerCommand,
  intakeCommand,
  lakeCommand,
  queryCommand,
  statusCommand,
  offsetsCommand,
  lagCommand,
  replayCommand,
  auditCommand,
  tailCommand,
  purgeCommand,
];
