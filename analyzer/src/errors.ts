// Typed errors for input that cannot be used at all. Everything else is a diagnostic or a
// validation problem (data, not exceptions). The CLI maps `exitCode` straight to the
// process exit code: 1 for a readable but invalid snapshot, 2 for unusable input.

export type ErrorCode =
  | 'NOT_FOUND'
  | 'NOT_GZIP'
  | 'NOT_TAR'
  | 'TRUNCATED'
  | 'LIMIT_EXCEEDED'
  | 'UNSAFE_ENTRY'
  | 'NOT_A_SNAPSHOT'
  | 'INVALID_SNAPSHOT'
  | 'BOOT_MISMATCH'
  | 'IO_ERROR'
  | 'INVALID_RULES'
  | 'USAGE';

export class NsnapError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: 1 | 2;
  /** What the user can do about it, printed after the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { exitCode?: 1 | 2; hint?: string } = {}) {
    super(message);
    this.name = 'NsnapError';
    this.code = code;
    this.exitCode = options.exitCode ?? 2;
    this.hint = options.hint;
  }
}

export class UsageError extends NsnapError {
  constructor(message: string) {
    super('USAGE', message, { exitCode: 2, hint: "try 'nsnap --help'" });
  }
}
