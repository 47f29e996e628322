import { fileURLToPath } from 'node:url'
import { spawnRunner } from '../../actions/lib/ports'

const script = fileURLToPath(new URL('../../scripts/standin-bases.sh', import.meta.url))

let image: Promise<string> | undefined

/**
 * The local stand-in for gcr.io/distroless/python3-debian12:nonroot (the host's python3 and its
 * standard library, user 65532, no shell), built by `scripts/standin-bases.sh --python` the first
 * time a test process asks; the script skips it when it is already current.
 */
export function standinPythonImage(): Promise<string> {
  image ??= spawnRunner.run('bash', [script, '--python'], { timeoutMs: 300_000 }).then((result) => {
    const name = result.stdout.trim().split('\n')[2]
    if (result.exitCode !== 0 || !name) {
      image = undefined
      throw new Error(
        `scripts/standin-bases.sh --python exited ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`,
      )
    }
    return name
  })
  return image
}
