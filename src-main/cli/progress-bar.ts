/** A one-line terminal progress bar on stderr (plain lines every 10% when stderr is not a terminal). */
export class ProgressBar {
  private readonly started = Date.now()
  private lastDecile = -1

  constructor(private readonly label: string) {}

  update(done: number, total: number): void {
    const fraction = total > 0 ? done / total : 1
    const elapsed = (Date.now() - this.started) / 1000
    const eta = done > 0 && done < total ? ` · ${Math.round((elapsed / done) * (total - done))} s left` : ''
    if (process.stderr.isTTY) {
      const width = 30
      const filled = Math.round(fraction * width)
      process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${eta}   `)
    } else {
      const decile = Math.floor(fraction * 10)
      if (decile !== this.lastDecile) {
        this.lastDecile = decile
        process.stderr.write(`${this.label}: ${done}/${total}${eta}\n`)
      }
    }
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write('\n')
  }
}
