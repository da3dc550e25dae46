/** A CLI failure: printed as `ERROR: (Code) message`, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
