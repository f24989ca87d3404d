/**
 * A least-recently-used map bounded by the sum of its values' sizes in bytes rather than by a count, since
 * embeddings differ by 4× between variants (SAM 4 MiB, SAM 2 16 MiB, SAM-HQ vit_h 24 MiB).
 */
export class ByteBudgetLru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>()
  private total = 0

  /** @param onEvict called for each value pushed out by the budget (not for delete/clear). */
  constructor(
    readonly budgetBytes: number,
    private readonly sizeOf: (value: V) => number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!(budgetBytes >= 0)) throw new RangeError(`byte budget must be ≥ 0, got ${budgetBytes}`)
  }

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.total
  }

  has(key: K): boolean {
    return this.entries.has(key)
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  /**
   * Stores the value as most recently used and evicts the least recently used ones until the total fits.
   * A value larger than the whole budget is not stored (returns false) and evicts nothing.
   */
  set(key: K, value: V): boolean {
    const bytes = this.sizeOf(value)
    this.delete(key)
    if (bytes > this.budgetBytes) return false
    this.entries.set(key, { value, bytes })
    this.total += bytes
    for (const [k, e] of this.entries) {
      if (this.total <= this.budgetBytes) break
      if (k === key) continue
      this.entries.delete(k)
      this.total -= e.bytes
      this.onEvict?.(k, e.value)
    }
    return true
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key)
    if (!entry) return false
    this.entries.delete(key)
    this.total -= entry.bytes
    return true
  }

  clear(): void {
    this.entries.clear()
    this.total = 0
  }

  /** Keys from least to most recently used. */
  keys(): K[] {
    return [...this.entries.keys()]
  }
}
