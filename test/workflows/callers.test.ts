import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { exampleCallerFiles, workflowsDir } from './workflow-files'

interface CalledInterface {
  inputs: Record<string, { required?: boolean; default?: unknown }>
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
})
