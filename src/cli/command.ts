/**
 * The shape of one CLI subcommand. Each lives in `src/cli/commands/<name>.ts` and is listed in
 * `src/cli/commands/index.ts` (its module loaded only when it runs); `main.ts` does argument-file
 * expansion, help and exit codes.
 */
export interface CommandIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopSignal: AbortSignal;
}

/** A subcommand: its name, one-line summary, full help text and runner. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Runs with the arguments after the subcommand name (argument files already expanded). Resolves to the exit code. */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}
