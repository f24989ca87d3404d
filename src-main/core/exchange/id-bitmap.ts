/**
 * A set of non-negative integer ids (SQLite rowids) as one bit each, grown by doubling as larger
 * ids arrive. Rowids are dense, so memory is about max id / 8 bytes: 1.25 MB for 10 million masks,
 * where a Set of the same ids takes over a hundred megabytes.
 */
export class IdBitmap {
  private bits = new Uint8Array(1024)

  /** Throws RangeError for an id that is not a non-negative safe integer. */
  add(id: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`${id} is not a row id`)
    const byte = Math.floor(id / 8)
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(this.bits.length * 2, byte + 1))
      grown.set(this.bits)
      this.bits = grown
    }
    this.bits[byte]! |= 1 << (id % 8)
  }

  has(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 0) return false
    return ((this.bits[Math.floor(id / 8)] ?? 0) & (1 << (id % 8))) !== 0
  }
}
