import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, relative } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  actionMetadataFiles,
  exampleCallerFiles,
  repositoryRoot,
  workflowFiles,
} from './workflow-files'

const actionlintInstall = 'go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12'

function actionlintPath(): string {
  for (const candidate of [
    process.env.ACTIONLINT,
    join(homedir(), 'go/bin/actionlint'),
    'actionlint',
  ]) {
    if (!candidate) continue
    if (spawnSync(candidate, ['--version']).status === 0) return candidate
  }
  throw new Error(`actionlint is not installed; run: ${actionlintInstall}`)
}

function schemaValidator(file: string) {
  const ajv = new Ajv({ allErrors: true, strict: false })
  return ajv.compile(
    JSON.parse(readFileSync(join(repositoryRoot, 'data/schemastore', file), 'utf8')),
  )
}

/** actionlint checks run: scripts only when shellcheck is on PATH; without it, zero findings would mean less. */
function requireShellcheck(): void {
  if (spawnSync('shellcheck', ['--version']).status !== 0) {
    throw new Error(
      'shellcheck is not installed; run as root: apt-get update && apt-get install -y shellcheck',
    )
  }
}

describe('workflow lint', () => {
  it('actionlint (with shellcheck) reports nothing for any workflow', () => {
    requireShellcheck()
    const files = [...workflowFiles(), ...exampleCallerFiles()].map((workflow) =>
      relative(repositoryRoot, workflow.path),
    )
    expect(files.length).toBeGreaterThanOrEqual(9)
    const result = spawnSync(actionlintPath(), ['-no-color', ...files], {
      cwd: repositoryRoot,
      encoding: 'utf8',
    })
    expect(result.stdout + result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  const validateWorkflow = schemaValidator('github-workflow.json')
  it.each(
    [...workflowFiles(), ...exampleCallerFiles()].map(
      (workflow) => [workflow.name, workflow] as const,
    ),
  )('%s matches the SchemaStore workflow schema', (_name, workflow) => {
    const valid = validateWorkflow(workflow.document)
    expect(validateWorkflow.errors ?? []).toEqual([])
    expect(valid).toBe(true)
  })

  const validateAction = schemaValidator('github-action.json')
  const actions = actionMetadataFiles()
  it.skipIf(actions.length === 0)(
    'every actions/*/action.yml matches the SchemaStore action schema',
    () => {
      for (const file of actions) {
        const valid = validateAction(parse(readFileSync(file, 'utf8')))
        expect({
          file: relative(repositoryRoot, file),
          errors: validateAction.errors ?? [],
        }).toEqual({
          file: relative(repositoryRoot, file),
          errors: [],
        })
        expect(valid).toBe(true)
      }
    },
  )

  it('the schemas catch a broken workflow and a broken action', () => {
    expect(validateWorkflow({ on: 'push', jobs: { a: { 'runs-on': 'x', stepz: [] } } })).toBe(false)
    expect(validateAction({ name: 'x', runs: { using: 'node24' } })).toBe(false)
  })

  it('actionlint fails a workflow with an undefined input', () => {
    const broken = `on:
  workflow_call:
    inputs:
      known: {type: string}
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    timeout-minutes: 1
    steps:
      - run: echo "$X"
        env:
          X: \${{ inputs.unknown }}
`
    const result = spawnSync(actionlintPath(), ['-no-color', '-'], {
      input: broken,
      encoding: 'utf8',
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain('property "unknown" is not defined')
  })
})
