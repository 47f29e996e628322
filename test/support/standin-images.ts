import { fileURLToPath } from 'node:url'
import { spawnRunner } from '../../actions/lib/ports'

/** The local base images service/Dockerfile is built from where no registry can be pulled. */
export interface StandinBaseImages {
  /** Passed as --build-arg BUILD_IMAGE: node and npm, with a shell for RUN steps. */
  build: string
  /** Passed as --build-arg RUNTIME_IMAGE: node at /nodejs/bin/node, user 65532, no shell. */
  runtime: string
}

const script = fileURLToPath(new URL('../../scripts/standin-bases.sh', import.meta.url))

let images: Promise<StandinBaseImages> | undefined

/**
 * Builds the stand-in bases with scripts/standin-bases.sh the first time it is called in a test
 * process and returns their names; the script itself skips images that are already current.
 */
export function standinBaseImages(): Promise<StandinBaseImages> {
  images ??= buildStandinBaseImages()
  return images
}

async function buildStandinBaseImages(): Promise<StandinBaseImages> {
  const result = await spawnRunner.run('bash', [script], { timeoutMs: 300_000 })
  if (result.exitCode !== 0) {
    images = undefined
    throw new Error(
      `scripts/standin-bases.sh exited ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`,
    )
  }
  const [build, runtime] = result.stdout.trim().split('\n')
  if (!build || !runtime) {
    throw new Error(`scripts/standin-bases.sh printed no image names: '${result.stdout.trim()}'`)
  }
  return { build, runtime }
}
