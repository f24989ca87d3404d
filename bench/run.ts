/**
 * `npm run bench -- <suite>`: runs one benchmark suite, prints its table and, as the last line,
 * `BENCH {json}` with snake_case keys that carry their unit.
 */
import { importSuite } from './suites/import'
import { amgSuite } from './suites/amg'
import { samSuite } from './suites/sam'
import { exchangeSuite } from './suites/exchange'
import { renderSuite } from './suites/render'
import { metricsSuite } from './suites/metrics'
import { toolsSuite } from './suites/tools'
import type { BenchSuite } from './report'
import { printReport } from './report'

const SUITES: Record<string, BenchSuite> = {
  import: importSuite,
  sam: samSuite,
  amg: amgSuite,
  exchange: exchangeSuite,
  render: renderSuite,
  metrics: metricsSuite,
  tools: toolsSuite,
}

async function main(): Promise<void> {
  const name = process.argv[2]
  const suite = name ? SUITES[name] : undefined
  if (!suite) {
    console.error(`Usage: npm run bench -- <suite>   (suites: ${Object.keys(SUITES).join(', ')})`)
    process.exit(2)
  }
  const report = await suite()
  printReport(name as string, report)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
