import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stepFiles } from '../support/step-files'
import { workflowFiles } from './workflow-files'

export interface WorkflowStep {
  name?: string
  id?: string
  if?: string
  uses?: string
  run?: string
  env?: Record<string, string>
  with?: Record<string, unknown>
  'working-directory'?: string
}

/** A named step of a job in one of this repository's workflows. */
export function workflowStep(file: string, job: string, step: string): WorkflowStep {
  const workflow = workflowFiles().find((candidate) => candidate.name === file)
  if (!workflow) throw new Error(`no workflow ${file}`)
  const steps: WorkflowStep[] = workflow.document.jobs?.[job]?.steps ?? []
  const found = steps.find((candidate) => candidate.name === step || candidate.id === step)
  if (!found) throw new Error(`no step '${step}' in ${file} job '${job}'`)
  return found
}

/** Reads $GITHUB_OUTPUT as the runner does: `name=value` lines and `name<<delimiter` blocks. */
export function parseStepOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const block = /^([\w-]+)<<(.+)$/.exec(lines[index])
    if (block) {
      const value: string[] = []
      for (index++; index < lines.length && lines[index] !== block[2]; index++)
        value.push(lines[index])
      outputs[block[1]] = value.join('\n')
      continue
    }
    const single = /^([\w-]+)=(.*)$/.exec(lines[index])
    if (single) outputs[single[1]] = single[2]
  }
  return outputs
}

export interface StepRun {
  status: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/**
 * Runs a step's `run:` script with bash the way a hosted runner does
 * (`bash --noprofile --norc -eo pipefail`), with RUNNER_TEMP, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY under `dir` and only the environment given (plus PATH).
 */
export function runWorkflowStep(
  file: string,
  job: string,
  step: string,
  { dir, cwd, env = {} }: { dir: string; cwd?: string; env?: Record<string, string> },
): StepRun {
  const found = workflowStep(file, job, step)
  if (!found.run) throw new Error(`step '${step}' in ${file} job '${job}' has no run script`)
  mkdirSync(join(dir, 'runner-temp'), { recursive: true })
  const { output, summary } = stepFiles(dir)
  const result = spawnSync(
    '/bin/bash',
    ['--noprofile', '--norc', '-eo', 'pipefail', '-c', found.run],
    {
      cwd: cwd ?? dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        RUNNER_TEMP: join(dir, 'runner-temp'),
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        ...env,
      },
    },
  )
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseStepOutputs(readFileSync(output, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
  }
}
