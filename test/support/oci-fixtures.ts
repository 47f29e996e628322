import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildah as buildahTool, requireTools } from './required-tools'

export interface FixtureFile {
  path: string
  content?: string | Buffer
  /** Octal mode, e.g. 0o4755 for setuid. */
  mode?: number
  symlinkTo?: string
  directory?: boolean
}

export interface FixtureImage {
  files: FixtureFile[]
  user?: string
  entrypoint?: string[]
  cmd?: string[]
  labels?: Record<string, string>
  /** Files written in a second layer (e.g. to delete or replace lower ones). */
  upperFiles?: FixtureFile[]
  /** Paths removed in the second layer. */
  removeInUpper?: string[]
}

function buildah(args: string[]): string {
  return execFileSync('buildah', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
}

function writeFiles(root: string, files: FixtureFile[]): void {
  for (const file of files) {
    const target = join(root, file.path)
    mkdirSync(dirname(target), { recursive: true })
    if (file.directory) {
      mkdirSync(target, { recursive: true })
    } else if (file.symlinkTo !== undefined) {
      symlinkSync(file.symlinkTo, target)
    } else {
      writeFileSync(target, file.content ?? '')
    }
    // chmod after writing: the umask would otherwise strip setuid and world-writable bits.
    if (file.mode !== undefined && file.symlinkTo === undefined) chmodSync(target, file.mode)
  }
}

/**
 * Builds a small image from scratch with buildah (working container, mounted
 * root, commit) straight into an OCI layout at `layoutDir`, tagged `latest`.
 */
export function buildFixtureLayout(image: FixtureImage, layoutDir: string): void {
  requireTools(buildahTool)
  const container = buildah(['from', 'scratch'])
  try {
    const apply = (files: FixtureFile[], remove: string[] = []) => {
      const root = buildah(['mount', container])
      writeFiles(root, files)
      for (const path of remove) execFileSync('rm', ['-rf', join(root, path)])
      buildah(['umount', container])
    }
    apply(image.files)
    const config = ['config']
    if (image.user !== undefined) config.push('--user', image.user)
    if (image.entrypoint) config.push('--entrypoint', JSON.stringify(image.entrypoint))
    if (image.cmd) config.push('--cmd', JSON.stringify(image.cmd))
    for (const [key, value] of Object.entries(image.labels ?? {}))
      config.push('--label', `${key}=${value}`)
    buildah([...config, container])
    if (image.upperFiles || image.removeInUpper) {
      // Committing to local storage closes the first layer; the next changes form a second one.
      const intermediate = `localhost/golden-path-test/fixture-${process.pid}-${Date.now()}`
      buildah(['commit', '--quiet', container, intermediate])
      buildah(['rm', container])
      const upper = buildah(['from', intermediate])
      try {
        const root = buildah(['mount', upper])
        writeFiles(root, image.upperFiles ?? [])
        for (const path of image.removeInUpper ?? []) execFileSync('rm', ['-rf', join(root, path)])
        buildah(['umount', upper])
        buildah(['commit', '--quiet', '--timestamp', '0', upper, `oci:${layoutDir}:latest`])
      } finally {
        spawnSync('buildah', ['rm', upper])
        spawnSync('buildah', ['rmi', intermediate])
      }
      return
    }
    buildah(['commit', '--quiet', '--timestamp', '0', container, `oci:${layoutDir}:latest`])
  } finally {
    spawnSync('buildah', ['rm', container])
  }
}
