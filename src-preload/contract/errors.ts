/** Error codes the backend reports; the message is for people, the code is for code. */
export type ErrorCode =
  | 'invalid_request'
  | 'unknown_channel'
  | 'not_found'
  | 'no_project'
  | 'folder_missing'
  | 'not_a_folder'
  | 'permission_denied'
  | 'database_too_new'
  | 'database_corrupt'
  | 'disk_full'
  | 'conflict'
  /** Marking an image done while too much of it is uncovered, without a reason. */
  | 'coverage_gate'
  | 'unauthorized'
  /** A person's name that is empty, longer than 64 characters or has control or invisible characters. */
  | 'invalid_name'
  | 'model_missing'
  | 'model_invalid'
  | 'segmentation_failed'
  | 'cancelled'
  | 'internal'

export interface ErrorPayload {
  code: ErrorCode
  message: string
}

/** A failure with a specific, person-readable message. Thrown by the core, carried by both transports. */
export class AppError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'AppError'
    this.code = code
  }
  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message }
  }
}

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorPayload).code === 'string' &&
    typeof (value as ErrorPayload).message === 'string'
  )
}
