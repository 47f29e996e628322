import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

// The reusable workflows verify a digest before anything is written, and only the jobs that sign
// or log in to a cloud registry may request an OIDC token. (The actions' own behaviour is tested in test/supply-chain/.)
const root = join(import.meta.dirname, '../..')
const workflow = (name: string) =>
  parse(readFileSync(join(root, '.github/workflows', name), 'utf8')) as {
    jobs: Record<
      string,
      {
        permissions?: Record<string, string>
        needs?: string[]
        steps?: { uses?: string; with?: Record<string, unknown> }[]
      }
    >
  }
const action = (uses: string | undefined) => /golden-path\/actions\/([\w-]+)@/.exec(uses ?? '')?.[1]

describe.each(['deliver.yml', 'promote.yml'])('%s', (file) => {
  const { jobs } = workflow(file)
  // The job that writes: deliver.yml's preflight only dry-runs the bump.
  const writer = Object.entries(jobs).find(([, job]) =>
    job.steps?.some(
      (step) => action(step.uses) === 'bump-image-tag' && step.with?.['dry-run'] !== true,
    ),
  )!
  const steps = writer[1].steps!.map((step) => action(step.uses))

  it('verifies the digest with verify-image before the bump, and the bump requires a signature', () => {
    expect(steps.indexOf('verify-image')).toBeGreaterThanOrEqual(0)
    expect(steps.indexOf('verify-image')).toBeLessThan(steps.indexOf('bump-image-tag'))
    const bump = writer[1].steps!.find((step) => action(step.uses) === 'bump-image-tag')!
    expect(String(bump.with?.['require-signature'])).toMatch(/true|!inputs\.local/)
    const verify = writer[1].steps!.find((step) => action(step.uses) === 'verify-image')!
    expect(String(verify.with?.['require-attestations'])).toContain('slsaprovenance1')
    expect(verify.with?.['source-repository']).toBeDefined()
    expect(verify.with?.['builder-id-regexp']).toBeDefined()
  })

  it('grants id-token: write only to the jobs that sign or log in to a cloud registry', () => {
    const withToken = Object.entries(jobs).filter(
      ([, job]) => job.permissions?.['id-token'] === 'write',
    )
    const needsToken = Object.entries(jobs).filter(([, job]) =>
      job.steps?.some((step) => ['sign-image', 'registry-login'].includes(action(step.uses) ?? '')),
    )
    expect(withToken.map(([name]) => name)).toEqual(needsToken.map(([name]) => name))
  })
})

describe('deliver.yml', () => {
  it('signs and attests after the push, and the bump waits for it', () => {
    const { jobs } = workflow('deliver.yml')
    const attest = jobs.attest!
    expect(attest.needs).toContain('image')
    expect(attest.steps!.map((step) => action(step.uses)).filter(Boolean)).toEqual([
      'sign-image',
      'attest-image',
      'attest-image',
    ])
    expect(
      attest
        .steps!.filter((step) => action(step.uses) === 'attest-image')
        .map((step) => step.with?.type),
    ).toEqual(['slsaprovenance1', 'cyclonedx'])
    expect(jobs.bump!.needs).toContain('attest')
  })
})
