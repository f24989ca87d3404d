/**
 * Errors of export and import. Each carries a specific `reason` for code (tests, the UI's wording)
 * and maps onto the contract's coarser `code`, so both transports carry it as they carry any AppError.
 */
import { AppError, type ErrorCode } from '../../../src-preload/contract/errors'

export type ExchangeErrorReason =
  /** The file is not a zip archive at all. */
  | 'not_a_zip'
  /** A zip whose end is missing (cut off while copying or downloading). */
  | 'truncated'
  /** Structurally broken zip data other than truncation (bad headers, bad deflate data, size mismatch). */
  | 'corrupt_zip'
  /** An entry name that could escape a folder: `..`, absolute, drive letter, backslash, control characters, non-UTF-8. */
  | 'unsafe_path'
  /** Two entries with the same name (compared case-insensitively). */
  | 'duplicate_entry'
  /** An entry above the per-entry uncompressed size limit. */
  | 'entry_too_large'
  /** Entries whose uncompressed sizes add up beyond the limit. */
  | 'bundle_too_large'
  /** More entries than the limit. */
  | 'too_many_entries'
  /** An entry that inflates far beyond its compressed size (a zip bomb). */
  | 'zip_bomb'
  /** Encrypted entries or compression methods other than store and deflate. */
  | 'unsupported_entry'
  /** No manifest.json in the bundle, or it is not a Tessera bundle. */
  | 'missing_manifest'
  | 'not_a_bundle'
  /** A bundle format version this build does not know. */
  | 'unknown_format_version'
  /** A manifest that is JSON but not a valid manifest. */
  | 'bad_manifest'
  /** An entry the manifest lists that is not in the zip. */
  | 'missing_entry'
  /** An entry in the zip the manifest does not list. */
  | 'unlisted_entry'
  /** An entry whose SHA-256 or size differs from the manifest. */
  | 'checksum_mismatch'
  /** Text that is not valid JSON (or JSON lines). */
  | 'malformed_json'
  /** JSON that does not have the shape of an SA-1B / COCO / Tessera document, or a mask that does not decode. */
  | 'bad_annotation'
  /** Image ids asked for that the project does not have. */
  | 'unknown_image'
  /** An audit asked for (its sample as the export's images) that the project does not have. */
  | 'unknown_audit'
  /** An image file an export is to write beside the masks is missing or no longer the imported file. */
  | 'image_file_unavailable'
  /** The export target exists already (folders are never merged into). */
  | 'target_exists'
  /** The operation was aborted; nothing was written or imported. */
  | 'cancelled'
  /** The project database has no project record. */
  | 'no_project'
  /** A file named for import does not exist or is not a readable file. */
  | 'unreadable_file'

const CODE_OF: Record<ExchangeErrorReason, ErrorCode> = {
  not_a_zip: 'invalid_request',
  truncated: 'invalid_request',
  corrupt_zip: 'invalid_request',
  unsafe_path: 'invalid_request',
  duplicate_entry: 'invalid_request',
  entry_too_large: 'invalid_request',
  bundle_too_large: 'invalid_request',
  too_many_entries: 'invalid_request',
  zip_bomb: 'invalid_request',
  unsupported_entry: 'invalid_request',
  missing_manifest: 'invalid_request',
  not_a_bundle: 'invalid_request',
  unknown_format_version: 'invalid_request',
  bad_manifest: 'invalid_request',
  missing_entry: 'invalid_request',
  unlisted_entry: 'invalid_request',
  checksum_mismatch: 'invalid_request',
  malformed_json: 'invalid_request',
  bad_annotation: 'invalid_request',
  unknown_image: 'not_found',
  unknown_audit: 'not_found',
  image_file_unavailable: 'not_found',
  target_exists: 'conflict',
  cancelled: 'cancelled',
  no_project: 'database_corrupt',
  unreadable_file: 'not_found',
}

export class ExchangeError extends AppError {
  readonly reason: ExchangeErrorReason
  constructor(reason: ExchangeErrorReason, message: string) {
    super(CODE_OF[reason], message)
    this.name = 'ExchangeError'
    this.reason = reason
  }
}

/** Throws ExchangeError('cancelled') when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new ExchangeError('cancelled', `${what} was cancelled; nothing was kept.`)
}
