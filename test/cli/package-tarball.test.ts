import { execFileSync, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `npm pack` is how a team gets the CLI without cloning golden-path. It runs in a copy of the
// repository's tracked files, so its prepack build never rewrites the cli/dist other test files
// are running at the same moment.
const root = new URL('../..', import.meta.url).pathname
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
}

let work: string
let tarball: string

function run(command: string, args: string[], cwd: string, timeout: number) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout })
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  }
  return result.stdout
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'golden-path-pack-'))
  const source = join(work, 'source')
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
  for (const file of tracked) {
    mkdirSync(dirname(join(source, file)), { recursive: true })
    cpSync(join(root, file), join(source, file))
  }
  // The build tools (ncc, TypeScript) are the repository's own.
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'))
  // ncc type-checks the whole project, the service's sources included.
  if (existsSync(join(root, 'service', 'node_modules'))) {
    symlinkSync(join(root, 'service', 'node_modules'), join(source, 'service', 'node_modules'))
  }
  run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], source, 480_000)
  tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!)
}, 600_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the npm package of the CLI', () => {
  it('holds the built CLI (made by prepack) and not the sources', () => {
    const files = run('tar', ['-tzf', tarball], work, 30_000).trim().split('\n')
    expect(files).toContain('package/cli/dist/index.js')
    expect(files).toContain('package/package.json')
    expect(
      files.filter((file) => /^package\/(actions|test|service|cli\/src)\//.test(file)),
    ).toEqual([])
  })

  it('installs into an empty directory and runs golden-path --version and a command', () => {
    const project = join(work, 'empty')
    mkdirSync(project)
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
      project,
      300_000,
    )
    const bin = join(project, 'node_modules', '.bin', 'golden-path')
    expect(run(bin, ['--version'], project, 30_000)).toBe(`${version}\n`)
    // A command that reads the bundled schemas and policy, outside the repository.
    const manifests = join(root, 'manifests', 'overlays', 'dev')
    expect(run(bin, ['validate', '--kustomize', manifests], project, 120_000)).toMatch(
      /^\d+ resources: \d+ valid, 0 invalid, 0 errors/m,
    )
  }, 420_000)
})
