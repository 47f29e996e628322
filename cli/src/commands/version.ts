import { goldenPathVersion } from '../../../actions/lib/version'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the golden-path version',
  usage: `Usage: golden-path version [--output text|json]

Prints the golden-path release and the Node.js runtime it runs on.`,
  async run(args, io) {
    const { values } = parseFlags('version', args, { output: { type: 'string' } })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const info = { version: goldenPathVersion, node: process.versions.node }
    io.stdout.write(
      output === 'json'
        ? `${JSON.stringify(info)}\n`
        : `golden-path ${info.version} (node ${info.node})\n`,
    )
    return 0
  },
}
