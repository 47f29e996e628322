import { UsageError } from '../errors'
import { readInput } from '../manifests/input-files'
import { parseSloSpec, type SloSpec } from './spec'

/** Largest spec read: a spec is a few kilobytes; this bounds memory on a wrong path. */
const maxSpecBytes = 1024 * 1024

/** Reads and parses a spec file; every failure is a UsageError naming the file. */
export function loadSloSpec(path: string, cwd: string): { spec: SloSpec; file: string } {
  const input = readInput(path, cwd)
  if (input.error !== undefined || input.text === undefined) {
    throw new UsageError(`${input.file}: ${input.error ?? 'cannot read file'}`)
  }
  if (input.text.length > maxSpecBytes) {
    throw new UsageError(`${input.file}: larger than ${maxSpecBytes / 1024} KiB, not an SLO spec`)
  }
  return { spec: parseSloSpec(input.text, input.file), file: input.file }
}
