import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { repositoryRoot } from './validate-harness'

describe('committed schema bundles', () => {
  it('equal a fresh generation from the OpenAPI specs in data/kubernetes', () => {
    const result = spawnSync('node', ['scripts/generate-schemas.mjs', '--check'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
    })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
