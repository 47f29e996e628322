import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { commandPath } from '../support/required-tools'

/**
 * Where an SLO tool is: on PATH, or where `go install` put it (scripts/setup.sh adds GOPATH/bin
 * to PATH, a bare `npx vitest` does not). Missing tools fail the test with the install command.
 */
function locate(command: string, install: string): string {
  const found =
    commandPath(command) ?? [join(homedir(), 'go', 'bin', command)].find((path) => existsSync(path))
  if (found === undefined)
    throw new Error(
      `missing ${command}; install with: ${install} (or run scripts/setup.sh as root)`,
    )
  return found
}

export const sloth = () => locate('sloth', 'go install github.com/slok/sloth/cmd/sloth@v0.16.0')
export const promtool = () => locate('promtool', 'apt-get install -y prometheus')
export const prometheus = () => locate('prometheus', 'apt-get install -y prometheus')
