import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The files a runner gives a step for $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY, created empty. */
export function stepFiles(dir: string): { output: string; summary: string } {
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md') }
  writeFileSync(files.output, '')
  writeFileSync(files.summary, '')
  return files
}

/** Reads the name<<delimiter file-command format @actions/core writes to $GITHUB_OUTPUT. */
export function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = readFileSync(file, 'utf8').split('\n')
  for (let index = 0; index < lines.length; index++) {
    const match = /^([\w-]+)<<(.+)$/.exec(lines[index])
    if (!match) continue
    const value: string[] = []
    for (index++; index < lines.length && lines[index] !== match[2]; index++)
      value.push(lines[index])
    outputs[match[1]] = value.join('\n')
  }
  return outputs
}
