export interface BenchRow {
  metric: string
  value: number
  unit: string
  note?: string
}

export interface BenchReport {
  rows: BenchRow[]
  /** Figures for the JSON line; keys carry their unit (_ms, _per_s, _mb). */
  json: Record<string, number | string>
}

export type BenchSuite = () => Promise<BenchReport>

export function printReport(suite: string, report: BenchReport): void {
  const width = Math.max(...report.rows.map((row) => row.metric.length), 6)
  console.log(`\n| ${'metric'.padEnd(width)} | ${'value'.padStart(12)} | unit      | note`)
  console.log(`|${'-'.repeat(width + 2)}|${'-'.repeat(14)}|-----------|------`)
  for (const row of report.rows) {
    const value = Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(2)
    console.log(`| ${row.metric.padEnd(width)} | ${value.padStart(12)} | ${row.unit.padEnd(9)} | ${row.note ?? ''}`)
  }
  console.log(`BENCH ${JSON.stringify({ suite, ...report.json })}`)
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** The q-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))] as number
}
