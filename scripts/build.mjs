// Bundles every action (actions/<name>/src/index.ts -> actions/<name>/dist/index.js)
// and the CLI with @vercel/ncc, then builds the reference service.
// `node scripts/build.mjs [name...]` builds only the named actions (or `cli`, `service`).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const only = process.argv.slice(2)
const wanted = (name) => only.length === 0 || only.includes(name)

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.status !== 0) {
    console.error(`build: '${command} ${args.join(' ')}' failed`)
    process.exit(1)
  }
}

function bundle(entry, outDir) {
  rmSync(join(root, outDir), { recursive: true, force: true })
  run('npx', ['ncc', 'build', entry, '--out', outDir, '--license', 'licenses.txt', '--quiet'])
}

const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && existsSync(join(root, 'actions', entry.name, 'action.yml')),
  )
  .map((entry) => entry.name)
  .sort()

for (const name of actions.filter(wanted)) {
  console.log(`build: actions/${name}`)
  bundle(`actions/${name}/src/index.ts`, `actions/${name}/dist`)
}
if (wanted('cli')) {
  console.log('build: cli')
  bundle('cli/src/index.ts', 'cli/dist')
}
if (wanted('service')) {
  console.log('build: service')
  if (!existsSync(join(root, 'service/node_modules'))) run('npm', ['ci', '--prefix', 'service'])
  run('npm', ['--prefix', 'service', 'run', 'build'])
}
