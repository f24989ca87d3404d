/** Number formats of the dashboard and the audit report; '—' where there is nothing to measure yet. */

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits)
}

export function whole(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US')
}

/** "92.1% (88.0–95.0)": a proportion with its 95% interval. */
export function interval(proportion: { estimate: number; low: number; high: number } | null): string {
  if (!proportion) return '—'
  return `${(proportion.estimate * 100).toFixed(1)}% (${(proportion.low * 100).toFixed(1)}–${(proportion.high * 100).toFixed(1)})`
}
