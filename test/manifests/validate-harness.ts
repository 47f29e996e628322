import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ValidateOptions, validateManifests } from '../../actions/lib/manifests/validate'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'

export const repositoryRoot = new URL('../..', import.meta.url).pathname

/** A temporary directory with the given files, removed by `cleanup`. */
export function workspace(files: Record<string, string | Buffer> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-validate-'))
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name)
    const parent = path.slice(0, path.lastIndexOf('/'))
    mkdirSync(parent, { recursive: true })
    writeFileSync(path, content)
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function options(overrides: Partial<ValidateOptions>): ValidateOptions {
  return {
    paths: [],
    cwd: repositoryRoot,
    kubernetesVersion: '1.35',
    strict: true,
    crds: [],
    kustomize: [],
    policy: 'none',
    failOn: 'error',
    ignoreMissingSchemas: false,
    skip: [],
    ...overrides,
  }
}

/** Validates YAML text given on stdin. */
export function validateText(text: string, overrides: Partial<ValidateOptions> = {}) {
  return validateManifests(options({ paths: ['-'], stdin: text, ...overrides }), {
    logger: nullLogger,
    runner: spawnRunner,
  })
}

export function validate(overrides: Partial<ValidateOptions>) {
  return validateManifests(options(overrides), { logger: nullLogger, runner: spawnRunner })
}
