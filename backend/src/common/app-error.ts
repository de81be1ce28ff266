import { ERRORS, type ErrorCode, type ErrorBody } from '@lfxj/contracts';

/** The one error type of the API; the error filter turns it into `{ code, message, details }`. */
export class AppError extends Error {
  readonly status: number;
  /** Commit what the request wrote before failing (a failed login must still count). */
  keepChanges = false;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }

  /** The request's writes are committed even though it answers with this error. */
  committing(): this {
    this.keepChanges = true;
    return this;
  }

  /** A problem with one input field, named in Chinese in the message and in details.fields. */
  static field(field: string, label: string, problem: string, code: ErrorCode = 'VALIDATION_FAILED'): AppError {
    const message = `${label}（${field}）${problem}`;
    return new AppError(code, message, { fields: [{ field, message }] });
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}
