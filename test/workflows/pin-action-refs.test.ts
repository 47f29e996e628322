import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { repositoryRoot, workflowsDir } from './workflow-files'

const script = join(repositoryRoot, 'scripts/pin-action-refs.mjs')
const ownReference = /uses:\s*([\w.-]+\/golden-path\/actions\/[\w.-]+@[^\s#]+)/g

function pin(dir: string, ...args: string[]) {
  return spawnSync('node', [script, ...args], { cwd: dir, encoding: 'utf8' })
}

function references(dir: string, file: string): string[] {
  const text = readFileSync(join(dir, '.github/workflows', file), 'utf8')
  return [...text.matchAll(ownReference)].map((match) => match[1])
}

describe('release pinning of golden-path action references', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-pin-'))
    cpSync(workflowsDir, join(dir, '.github/workflows'), { recursive: true })
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('on main every reusable workflow names its actions at @main', () => {
    for (const file of ['deliver.yml', 'pr-checks.yml', 'promote.yml']) {
      const found = references(dir, file)
      expect(found.length).toBeGreaterThan(0)
      for (const reference of found)
        expect(reference).toMatch(/^example-org\/golden-path\/.+@main$/)
    }
  })

  it('rewrites every reference to the releasing repository at the release tag', () => {
    const result = pin(
      dir,
      '--repository',
      'acme/golden-path',
      '--ref',
      'v1.4.0',
      '.github/workflows',
    )
    expect(result.status).toBe(0)
    const deliver = references(dir, 'deliver.yml')
    expect(deliver).toContain('acme/golden-path/actions/bump-image-tag@v1.4.0')
    for (const file of ['deliver.yml', 'pr-checks.yml', 'promote.yml']) {
      for (const reference of references(dir, file)) {
        expect(reference).toMatch(/^acme\/golden-path\/actions\/[\w-]+@v1\.4\.0$/)
      }
    }
    const thirdParty = readFileSync(join(dir, '.github/workflows/deliver.yml'), 'utf8')
    expect(thirdParty).toContain(
      'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
    )
  })

  it('--check passes only when every reference is at the ref and every action folder exists', () => {
    pin(dir, '--repository', 'acme/golden-path', '--ref', 'v1.4.0', '.github/workflows')
    const names = new Set(
      ['deliver.yml', 'pr-checks.yml', 'promote.yml', 'dora.yml'].flatMap((file) =>
        references(dir, file).map((reference) => reference.split('/')[3].split('@')[0]),
      ),
    )
    const missing = pin(
      dir,
      '--check',
      '--repository',
      'acme/golden-path',
      '--ref',
      'v1.4.0',
      '.github/workflows',
    )
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain("no action 'bump-image-tag'")
    for (const name of names) {
      mkdirSync(join(dir, 'actions', name), { recursive: true })
      writeFileSync(join(dir, 'actions', name, 'action.yml'), 'name: x\n')
    }
    const pinned = pin(
      dir,
      '--check',
      '--repository',
      'acme/golden-path',
      '--ref',
      'v1.4.0',
      '.github/workflows',
    )
    expect(pinned.stderr).toBe('')
    expect(pinned.status).toBe(0)
    const stale = pin(
      dir,
      '--check',
      '--repository',
      'acme/golden-path',
      '--ref',
      'v1.5.0',
      '.github/workflows',
    )
    expect(stale.status).toBe(1)
    expect(stale.stderr).toMatch(
      /deliver\.yml:\d+: acme\/golden-path\/actions\/[\w-]+@v1\.4\.0 is not at acme\/golden-path@v1\.5\.0/,
    )
  })

  it('refuses a malformed repository with exit 2', () => {
    const result = pin(dir, '--repository', 'not a repo', '--ref', 'v1.0.0', '.github/workflows')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain("invalid --repository 'not a repo'")
  })
})
