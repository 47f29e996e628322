// Bundles every action (actions/<name>/src/index.ts -> actions/<name>/dist/index.js)
// and the CLI with @vercel/ncc, then builds the reference service.
// `node scripts/build.mjs [name...]` builds only the named actions (or `cli`, `service`).
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const only = process.argv.slice(2)
const wanted = (name) => only.length === 0 || only.includes(name)

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`'${command} ${args.join(' ')}' failed`)),
    )
  })
}

async function bundle(entry, outDir) {
  rmSync(join(root, outDir), { recursive: true, force: true })
  await run('npx', ['ncc', 'build', entry, '--out', outDir, '--license', 'licenses.txt', '--quiet'])
  console.log(`build: ${outDir}`)
}

const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter(
    // Composite actions (no src/index.ts) have nothing to bundle.
    (entry) =>
      entry.isDirectory() &&
      existsSync(join(root, 'actions', entry.name, 'action.yml')) &&
      existsSync(join(root, 'actions', entry.name, 'src', 'index.ts')),
  )
  .map((entry) => entry.name)
  .sort()

const jobs = actions
  .filter(wanted)
  .map((name) => () => bundle(`actions/${name}/src/index.ts`, `actions/${name}/dist`))
if (wanted('cli')) jobs.push(() => bundle('cli/src/index.ts', 'cli/dist'))
if (wanted('service')) {
  jobs.push(async () => {
    if (!existsSync(join(root, 'service/node_modules')))
      await run('npm', ['ci', '--prefix', 'service'])
    await run('npm', ['--prefix', 'service', 'run', 'build'])
    console.log('build: service/dist')
  })
}

// Each ncc run is single-threaded; one per core halves the wall time on CI.
const workers = Math.max(1, Math.min(availableParallelism(), 4))
let next = 0
try {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < jobs.length) await jobs[next++]()
    }),
  )
} catch (error) {
  console.error(`build: ${error.message}`)
  process.exit(1)
}
