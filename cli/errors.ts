// Exit codes: 0 fine, 1 the input is invalid, 2 usage or I/O problem, 3 a
// check the command was asked to make failed (`plan --max-moved`), 4 a change
// of the fleet state refused by a safety limit (`depool` without --force).
export class CliError extends Error {
  readonly code = 'TIERLB_CLI';
  constructor(message: string, readonly exitCode: 1 | 2 | 3 | 4, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}
