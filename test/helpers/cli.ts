import { PassThrough, Readable } from 'node:stream';
import type { CommandIo } from '../../src/cli/command.js';

/** What a command wrote, and how it exited. */
export interface CommandResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs a command (a `Command.run`, or `main` with its argv) in-process with captured stdout and
 * stderr, `stdin` as its standard input, logs silenced unless `env` says otherwise.
 */
export async function runInProcess(
  run: (args: readonly string[], io: CommandIo) => Promise<number>,
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<CommandResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => { out += String(chunk); });
  stderr.on('data', (chunk) => { err += String(chunk); });
  const io: CommandIo = {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout, stderr,
    env: options.env ?? { LOG_LEVEL: 'silent' },
    stopSignal: options.signal ?? new AbortController().signal,
  };
  const code = await run(args, io);
  return { code, out, err };
}
