import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

export const repositoryRoot = new URL('../..', import.meta.url).pathname
export const workflowsDir = join(repositoryRoot, '.github/workflows')
export const examplesDir = join(repositoryRoot, 'docs/examples')

export interface WorkflowFile {
  name: string
  path: string
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: workflow YAML is checked by the schema, then walked
  document: any
}

function parsedWorkflows(dir: string, prefix: string): WorkflowFile[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => {
      const path = join(dir, name)
      const text = readFileSync(path, 'utf8')
      return { name: `${prefix}${name}`, path, text, document: parse(text) }
    })
}

/** Every workflow of this repository, parsed. */
export function workflowFiles(): WorkflowFile[] {
  return parsedWorkflows(workflowsDir, '')
}

/** The example caller workflows for a product repository (docs/examples). */
export function exampleCallerFiles(): WorkflowFile[] {
  return parsedWorkflows(examplesDir, 'docs/examples/')
}

/** Every actions/<name>/action.yml, so actions added later are covered without a test change. */
export function actionMetadataFiles(): string[] {
  const actions = join(repositoryRoot, 'actions')
  return readdirSync(actions, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(actions, entry.name, 'action.yml')))
    .map((entry) => join(actions, entry.name, 'action.yml'))
    .sort()
}

/** True when the workflow is a reusable workflow (`on: workflow_call`). */
// biome-ignore lint/suspicious/noExplicitAny: see WorkflowFile.document
export function isReusable(document: any): boolean {
  const on = document.on
  if (typeof on === 'string') return on === 'workflow_call'
  if (Array.isArray(on)) return on.includes('workflow_call')
  return on !== null && typeof on === 'object' && 'workflow_call' in on
}
