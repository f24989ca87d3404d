/**
 * `tessera` on the command line, for scripted pipelines (same backend core as the app).
 *
 *   tessera inspect <file.json…> [--quiet]   decode every mask of SA-1B / COCO files and report inconsistencies
 *   tessera propose <project> …              automatic proposals (see propose.ts), shardable
 *   tessera merge-proposals <project> <file…>
 *   tessera export <project> --format sa1b|coco|bundle --out PATH …   (see exchange-commands.ts)
 *   tessera import <project> <file…> [--as proposals|gold]
 */
import { parseArgs } from 'node:util'
import { inspectFile, summarise, type InspectLine } from '../core/exchange/inspect'
import { EXCHANGE_USAGE, exportCommand, importCommand } from './exchange-commands'
import { PROPOSE_USAGE, mergeProposals, propose } from './propose'

const USAGE = `Usage: tessera <command> [options]

Commands:
  inspect <file.json…> [--quiet]   Decode every mask of SA-1B per-image JSON, SAM amg.py lists or COCO
                                   instances JSON; print one JSON line per annotation (id, area_decoded,
                                   coco_bbox, sa1b_bbox, reencode_identical, point_inside), then a summary
                                   of every inconsistency. Exit code 1 when errors were found.
${PROPOSE_USAGE}
${EXCHANGE_USAGE}`

async function inspect(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { quiet: { type: 'boolean', default: false } } })
  if (positionals.length === 0) {
    console.error(USAGE)
    return 2
  }
  const all: InspectLine[] = []
  for (const file of positionals) {
    const lines = await inspectFile(file)
    for (const line of lines) {
      if (!values.quiet) {
        const { file: _file, problems, ...fields } = line
        process.stdout.write(`${JSON.stringify({ file, ...fields, ...(problems.length > 0 ? { problems } : {}) })}\n`)
      }
      all.push(line)
    }
  }
  const summary = summarise(all, positionals.length)
  const { inconsistencies, ...counts } = summary
  process.stdout.write(`${JSON.stringify({ summary: counts })}\n`)
  const errors = inconsistencies.filter((item) => item.severity === 'error')
  if (errors.length > 0) {
    process.stderr.write(`${errors.length} inconsistenc${errors.length === 1 ? 'y' : 'ies'}:\n`)
    for (const item of errors.slice(0, 50)) process.stderr.write(`  ${item.file} id=${String(item.id)}: ${item.problem}\n`)
    if (errors.length > 50) process.stderr.write(`  … and ${errors.length - 50} more (see the JSON lines)\n`)
  }
  return errors.length > 0 ? 1 : 0
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'inspect':
      return inspect(rest)
    case 'propose':
      return propose(rest)
    case 'merge-proposals':
      return mergeProposals(rest)
    case 'export':
      return exportCommand(rest)
    case 'import':
      return importCommand(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE)
      return command === undefined ? 2 : 0
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  },
)
