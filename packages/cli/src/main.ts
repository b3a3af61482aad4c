import { isMonkeyTrackerError } from '@monkeytracker/grid';
import { CliError, CliUsageError } from './errors';
import { REPLAY_HELP, replayCommand } from './replay';
import { SERVE_HELP, serveCommand } from './serve';
import { VERIFY_HELP, verifyCommand } from './verify';

/** Top-level `--help`. */
export const MAIN_HELP = `Usage: monkeytracker <command> [options]

Commands:
  serve     run a tracker behind the HTTP handler (memory + journal, or MongoDB)
  replay    rebuild indexes from a journal into MongoDB or memory
  verify    check a journal and report corrupt frames
  help      show this help, or the help of a command (help replay)

Run monkeytracker <command> --help for its options. --debug prints stack traces.`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  serve: { run: serveCommand, help: SERVE_HELP },
  replay: { run: replayCommand, help: REPLAY_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
};

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves with the exit code:
 * 0 success, 1 failure, 2 usage error. Errors print as one line on stderr; `--debug` adds the
 * stack trace.
 */
export async function runCli(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      process.stdout.write(`${MAIN_HELP}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === 'help') {
      const command = COMMANDS[rest[0] as string];
      if (!command) throw new CliUsageError(`unknown command ${JSON.stringify(rest[0])}`);
      process.stdout.write(`${command.help}\n`);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command)
      throw new CliUsageError(`unknown command ${JSON.stringify(name)}; commands: serve, replay, verify`);
    return await command.run(rest);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const message = (isMonkeyTrackerError(e) ? e.detail : e.message).split('\n')[0];
    if (CliUsageError.is(e)) {
      const hint = e.command ? `monkeytracker ${e.command} --help` : 'monkeytracker --help';
      process.stderr.write(`monkeytracker: ${message} (run ${hint})\n`);
    } else {
      // Codes of the packages underneath help a search; our own failures need none.
      const code = (e as { code?: unknown }).code;
      const tag = typeof code === 'string' && !CliError.is(e) ? ` [${code}]` : '';
      process.stderr.write(`monkeytracker: error: ${message}${tag}\n`);
    }
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return CliUsageError.is(e) ? 2 : 1;
  }
}
