import { AppError, type ErrorPayload } from '../../../src-preload/contract/errors'

/** What a transport sends back for a failed request: specific for AppErrors and full disks. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof AppError) return error.toPayload()
  const message = error instanceof Error ? error.message : String(error)
  if (/ENOSPC|SQLITE_FULL|database or disk is full/i.test(message)) {
    return { code: 'disk_full', message: 'The disk is full; the change was not saved. Free some space and try again.' }
  }
  return { code: 'internal', message }
}
