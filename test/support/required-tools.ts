import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export interface RequiredTool {
  /** The program looked up on PATH. */
  command: string
  /** The command that installs it on Debian, printed when it is missing. */
  install: string
}

export const buildah: RequiredTool = { command: 'buildah', install: 'apt-get install -y buildah' }
export const skopeo: RequiredTool = { command: 'skopeo', install: 'apt-get install -y skopeo' }
export const umoci: RequiredTool = { command: 'umoci', install: 'apt-get install -y umoci' }
export const chroot: RequiredTool = { command: 'chroot', install: 'apt-get install -y coreutils' }

/** Where a program is on this process's PATH, or undefined. */
export function commandPath(command: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(directory, command)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

/**
 * Throws, naming the install command, when a program an integration test starts is missing:
 * such tests fail rather than skip, so a machine without the tool cannot pass silently.
 */
export function requireTools(...tools: RequiredTool[]): void {
  const missing = tools.filter((tool) => commandPath(tool.command) === undefined)
  if (missing.length > 0) {
    const names = missing.map((tool) => tool.command).join(', ')
    const install = missing.map((tool) => tool.install).join(' && ')
    throw new Error(`missing ${names}; install with: ${install} (or run scripts/setup.sh as root)`)
  }
}
