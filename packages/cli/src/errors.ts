/** The errors of the `monkeytracker` command. */
import { defineError, errorTable } from '@monkeytracker/grid';

/** A mistake on the command line: printed as one line with a `--help` hint, exit code 2. */
export const CliUsageError = defineError('CliUsageError', {
  code: 'CLI_USAGE',
  scope: 'cli',
  status: 400,
  summary: 'a flag or command is missing, unknown or malformed; the message names it and the help to read',
}).withFields<{ /** The subcommand whose help to point at, if any. */ command?: string }>();

/** A failure the user can act on (missing journal, port in use): one line, exit code 1. */
export const CliError = defineError('CliError', {
  code: 'CLI_FAILED',
  scope: 'cli',
  status: 500,
  summary:
    'the command could not do its work (missing journal, port in use, storage refused); the message says why',
});

/** Every error code of this package, with its meaning. */
export const CLI_ERRORS = errorTable(CliUsageError, CliError);
