import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type CommandResult, spawnRunner } from '../../actions/lib/ports'
import { ensureBuilt } from './fresh-build'
import { bundleNode } from './node-runtime'

const root = fileURLToPath(new URL('../..', import.meta.url))
export const cliEntry = join(root, 'cli', 'dist', 'index.js')

/** Bundles cli/dist/index.js with `node scripts/build.mjs cli` unless it is up to date. */
export function ensureCliBuilt(): Promise<void> {
  return ensureBuilt({
    output: cliEntry,
    sources: [join(root, 'cli', 'src'), join(root, 'actions', 'lib'), join(root, 'package.json')],
    command: [process.execPath, join(root, 'scripts', 'build.mjs'), 'cli'],
    cwd: root,
    lock: join(root, 'node_modules', '.golden-path-cli-build-lock'),
  })
}

/** Runs the bundled CLI as a user would: `node cli/dist/index.js <args>`. */
export function runCli(args: string[], options: { cwd?: string } = {}): Promise<CommandResult> {
  return spawnRunner.run(bundleNode, [cliEntry, ...args], {
    cwd: options.cwd ?? root,
    timeoutMs: 60_000,
  })
}
