import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { exampleCallerFiles, workflowsDir } from './workflow-files'

interface CalledInterface {
  inputs: Record<string, { required?: boolean; default?: unknown; type?: string }>
  secrets: Record<string, unknown>
}

function calledInterface(file: string): CalledInterface {
  const called = parse(readFileSync(join(workflowsDir, file), 'utf8'))
  const call = called.on.workflow_call ?? {}
  return { inputs: call.inputs ?? {}, secrets: call.secrets ?? {} }
}

const calls = exampleCallerFiles().flatMap((caller) =>
  Object.entries(caller.document.jobs as Record<string, Record<string, unknown>>).map(
    ([jobId, job]) => [`${caller.name} job ${jobId}`, job] as const,
  ),
)

describe('example caller workflows', () => {
  it('cover deliver on push to main, pr-checks on pull_request and promote on tags', () => {
    const triggers = exampleCallerFiles().map((caller) => JSON.stringify(caller.document.on))
    expect(triggers).toEqual(
      expect.arrayContaining([
        JSON.stringify({ push: { branches: ['main'] } }),
        JSON.stringify({ pull_request: null }),
        JSON.stringify({ push: { tags: ['v*'] } }),
      ]),
    )
  })

  it.each(calls)(
    '%s passes only declared inputs and secrets, and every required input',
    (_, job) => {
      const uses = String(job.uses)
      const match = /^example-org\/golden-path\/\.github\/workflows\/([\w-]+\.yml)@v1$/.exec(uses)
      expect(match, `${uses} is not a golden-path workflow at @v1`).not.toBeNull()
      const called = calledInterface(match![1])
      const given = Object.keys((job.with ?? {}) as object)
      expect(given.filter((name) => !(name in called.inputs))).toEqual([])
      const required = Object.entries(called.inputs)
        .filter(([, spec]) => spec.required === true)
        .map(([name]) => name)
      expect(required.filter((name) => !given.includes(name))).toEqual([])
      const secrets = Object.keys((job.secrets ?? {}) as object)
      expect(job.secrets).not.toBe('inherit')
      expect(secrets.filter((name) => !(name in called.secrets))).toEqual([])
    },
  )

  it.each(calls)('%s passes each input as the type the called workflow declares', (_, job) => {
    const match = /\/workflows\/([\w-]+\.yml)@/.exec(String(job.uses))
    const called = calledInterface(match![1])
    for (const [name, value] of Object.entries((job.with ?? {}) as Record<string, unknown>)) {
      const declared = called.inputs[name]?.type
      const given = typeof value === 'string' && value.startsWith('${{') ? declared : typeof value
      expect({ name, type: given }).toEqual({ name, type: declared })
      // runs-on: a JSON array when it starts with '[', as deliver.yml's fromJSON reads it.
      if (name === 'runs-on' && String(value).startsWith('['))
        expect(Array.isArray(JSON.parse(String(value)))).toBe(true)
    }
  })

  const example = (name: string) => {
    const found = exampleCallerFiles().find((caller) => caller.name === `docs/examples/${name}`)
    if (!found) throw new Error(`docs/examples/${name} is missing`)
    return found
  }
  const onlyJob = (name: string) =>
    Object.values(example(name).document.jobs as Record<string, Record<string, unknown>>)[0]!

  it.each([
    ['deliver-go.yml', 'deliver.yml', 'go-version'],
    ['deliver-python.yml', 'deliver.yml', 'python-version'],
    ['gitops-checks.yml', 'gitops-checks.yml', 'environments'],
    ['pr-checks.yml', 'pr-checks.yml', 'gitops-repository'],
  ])('%s calls %s and shows %s', (name, workflow, input) => {
    const job = onlyJob(name)
    expect(String(job.uses)).toBe(`example-org/golden-path/.github/workflows/${workflow}@v1`)
    expect(Object.keys(job.with as object)).toContain(input)
  })

  it('the local caller pins @v1, runs local mode, and spells out the act command with both mappings', () => {
    const caller = example('deliver-local.yml')
    const job = onlyJob('deliver-local.yml')
    expect(String(job.uses)).toBe('example-org/golden-path/.github/workflows/deliver.yml@v1')
    expect(job.with).toMatchObject({
      local: true,
      registry: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    })
    const registry = (job.with as Record<string, string>).registry
    const comments = caller.text
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) => line.replace(/^#\s?/, ''))
      .join('\n')
    expect(comments).toContain(`REGISTRY_HTTP_ADDR=${registry}`)
    expect(comments).toContain('docker-registry serve /etc/docker/registry/config.yml')
    expect(comments).toContain('act push -W .github/workflows/deliver-local.yml')
    // The flags scripts/act-deliver.mjs runs act with, which the suite proves end to end.
    for (const flag of [
      '-P ubuntu-latest=-self-hosted',
      '--env-file /dev/null',
      '--no-cache-server',
    ])
      expect(comments).toContain(flag)
    expect(comments).toMatch(/--local-repository example-org\/golden-path@v1=\S+/)
    expect(comments).toMatch(/--local-repository example-org\/golden-path@main=\S+/)
  })
})
