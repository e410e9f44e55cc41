import type { CommandIo } from './command.js';
import { isElError } from '../domain/errors.js';

/** True for the errors a user fixes by changing the command line or a config file (exit 2). */
export function isUsageError(error: unknown): boolean {
  return isElError(error) && (error.code === 'EL_USAGE' || error.code === 'EL_CONFIG_INVALID' || error.code === 'EL_URI_INVALID');
}

/**
 * Wraps a command's runner so usage errors are answered (message, usage line, exit 2) by the
 * command itself: `run()` called directly (tests, scripts) then exits as the CLI does.
 */
export function answeringUsageErrors(
  name: string,
  usage: string,
  run: (args: readonly string[], io: CommandIo) => Promise<number>,
): (args: readonly string[], io: CommandIo) => Promise<number> {
  return async (args, io) => {
    try {
      return await run(args, io);
    } catch (error) {
      if (!isUsageError(error)) throw error;
      io.stderr.write(`eventlogging ${name}: ${(error as Error).message}\nusage: ${usage}\n`);
      return 2;
    }
  };
}
