import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Where a program is on PATH, or undefined: optional tools (syft) are used when present. */
export function commandPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(directory, command), constants.X_OK)
      return join(directory, command)
    } catch {
      // not here
    }
  }
  return undefined
}
