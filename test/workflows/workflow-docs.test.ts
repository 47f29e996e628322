import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isReusable, repositoryRoot, workflowFiles } from './workflow-files'

const docs = readFileSync(join(repositoryRoot, 'docs/workflows.md'), 'utf8')

/** The part of docs/workflows.md from a workflow's own heading to the next `## ` heading. */
function sectionOf(name: string): string {
  const start = docs.indexOf(`\n## ${name}\n`)
  if (start < 0) return ''
  const end = docs.indexOf('\n## ', start + 1)
  return docs.slice(start, end < 0 ? undefined : end)
}

describe('docs/workflows.md', () => {
  it.each(
    workflowFiles()
      .filter((file) => isReusable(file.document))
      .map((file) => [file.name, file] as const),
  )('documents every input and secret of %s in its section', (name, file) => {
    const section = sectionOf(name)
    expect(section, `no '## ${name}' section`).not.toBe('')
    const call = file.document.on.workflow_call
    const names = [...Object.keys(call.inputs ?? {}), ...Object.keys(call.secrets ?? {})]
    expect(names.filter((input) => !section.includes(`\`${input}\``))).toEqual([])
  })
})
