import { expandArgumentFiles } from './argument-files.js';
import { loadCommand, loadCommands } from './commands/index.js';
import type { CommandIo } from './command.js';
import { isUsageError } from './usage-errors.js';

/** Exit codes: 0 ok, 1 the command ran and found a problem, 2 usage or config error, 70 internal error. */
export const EXIT = Object.freeze({ ok: 0, problem: 1, usage: 2, internal: 70 });

async function topHelp(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: eventlogging <command> [args...]   (any argument may be @FILE: one argument per line)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'eventlogging <command> --help shows a command\'s options.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the process exit code. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  let args: string[];
  try {
    args = expandArgumentFiles(argv);
  } catch (error) {
    io.stderr.write(`eventlogging: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${await topHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.stderr.write(`eventlogging: unknown command '${name}'\n\n${await topHelp()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isUsageError(error)) {
      io.stderr.write(`eventlogging ${name}: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`eventlogging ${name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.internal;
  }
}

/** Process entry point: wires real stdio, signals and exit. */
export async function runProcess(): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Every Kafka and database call is awaited by its caller, so a rejection nobody holds is a bug:
  // exit loudly.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`eventlogging: unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`);
    process.exit(EXIT.internal);
  });
  const code = await main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stopSignal: controller.signal,
  });
  process.exitCode = code;
  // Flush stdout before exiting: a pipe consumer must get every line.
  process.stdout.write('', () => process.exit(code));
}
