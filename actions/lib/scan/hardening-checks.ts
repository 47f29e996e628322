import { posix } from 'node:path'
import { type ImageFilesystem, readImageFilesystem } from '../oci/image-filesystem'
import type { LayoutImage } from '../oci/oci-layout'
import { findSecrets } from './secret-patterns'

export type HardeningCheckId =
  | 'non-root-user'
  | 'no-shell-or-package-manager'
  | 'no-setuid-setgid'
  | 'no-world-writable'
  | 'required-labels'
  | 'size-budget'
  | 'no-secrets'
  | 'entrypoint-exists'

export interface HardeningCheck {
  id: HardeningCheckId
  title: string
  passed: boolean
  /** What was found: offending paths, missing labels, the measured size. */
  details: string[]
}

export interface HardeningPolicy {
  /** Largest acceptable image, in bytes of stored (compressed) layers. */
  sizeBudgetBytes: number
  requiredLabels: readonly string[]
}

export const defaultRequiredLabels = [
  'org.opencontainers.image.source',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.created',
] as const

export const defaultSizeBudgetBytes = 300 * 1024 * 1024

// Shells and package managers an attacker with code execution would reach for first.
const forbiddenNames = new Set([
  'sh',
  'bash',
  'dash',
  'ash',
  'zsh',
  'ksh',
  'busybox',
  'apt',
  'apt-get',
  'dpkg',
  'apk',
  'yum',
  'dnf',
  'microdnf',
  'rpm',
])
const executableDirs = [
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
]

// Long lists are cut so that a summary stays readable; the count of the rest is kept.
const maxDetails = 20

function limited(items: string[]): string[] {
  return items.length > maxDetails
    ? [...items.slice(0, maxDetails), `... and ${items.length - maxDetails} more`]
    : items
}

function mode(value: number): string {
  return value.toString(8).padStart(4, '0')
}

function checkUser(image: LayoutImage): HardeningCheck {
  const user = image.config.config?.User?.trim() ?? ''
  const name = user.split(':')[0] ?? ''
  const root = name === '' || name === 'root' || name === '0'
  return {
    id: 'non-root-user',
    title: 'runs as a non-root user',
    passed: !root,
    details: [root ? `config user is '${user || '(unset, so root)'}'` : `config user is '${user}'`],
  }
}

function checkShells(filesystem: ImageFilesystem): HardeningCheck {
  const found: string[] = []
  for (const file of filesystem.files.values()) {
    const base = posix.basename(file.path)
    const inBinDir = executableDirs.includes(posix.dirname(file.path))
    if ((inBinDir && forbiddenNames.has(base)) || base === 'busybox') found.push(file.path)
  }
  return {
    id: 'no-shell-or-package-manager',
    title: 'no shell or package manager',
    passed: found.length === 0,
    details: limited(found.sort()),
  }
}

function checkSetuid(filesystem: ImageFilesystem): HardeningCheck {
  const found = [...filesystem.files.values()]
    .filter((file) => file.type === 'file' && (file.mode & 0o6000) !== 0)
    .map((file) => `${file.path} (mode ${mode(file.mode)})`)
  return {
    id: 'no-setuid-setgid',
    title: 'no setuid or setgid files',
    passed: found.length === 0,
    details: limited(found.sort()),
  }
}

function checkWorldWritable(filesystem: ImageFilesystem): HardeningCheck {
  const found = [...filesystem.files.values()]
    .filter(
      (file) =>
        (file.type === 'file' || file.type === 'directory') &&
        (file.mode & 0o002) !== 0 &&
        file.path !== '/tmp' &&
        !file.path.startsWith('/tmp/'),
    )
    .map((file) => `${file.path} (mode ${mode(file.mode)})`)
  return {
    id: 'no-world-writable',
    title: 'no world-writable files outside /tmp',
    passed: found.length === 0,
    details: limited(found.sort()),
  }
}

/** How a label build-image derives gets set when it is missing. */
const labelFixes: Record<string, string> = {
  'org.opencontainers.image.source':
    ' (build takes it from the git remote origin or GITHUB_REPOSITORY: add a remote, set GITHUB_REPOSITORY=owner/repo, or pass --label org.opencontainers.image.source=URL)',
}

export function checkLabels(image: LayoutImage, required: readonly string[]): HardeningCheck {
  const labels = image.config.config?.Labels ?? {}
  const missing = required.filter((label) => !labels[label])
  return {
    id: 'required-labels',
    title: 'required OCI labels present',
    passed: missing.length === 0,
    details: missing.map((label) => `missing label ${label}${labelFixes[label] ?? ''}`),
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function checkSize(image: LayoutImage, budget: number): HardeningCheck {
  return {
    id: 'size-budget',
    title: 'image within its size budget',
    passed: image.compressedSize <= budget,
    details: [`${megabytes(image.compressedSize)} of layers (budget ${megabytes(budget)})`],
  }
}

function pathDirs(image: LayoutImage): string[] {
  const path = image.config.config?.Env?.find((entry) => entry.startsWith('PATH='))
  return (path?.slice('PATH='.length) ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean)
}

function checkEntrypoint(image: LayoutImage, filesystem: ImageFilesystem): HardeningCheck {
  const entrypoint = image.config.config?.Entrypoint ?? []
  const command = entrypoint.length > 0 ? entrypoint : (image.config.config?.Cmd ?? [])
  const program = command[0]
  const result = (passed: boolean, detail: string): HardeningCheck => ({
    id: 'entrypoint-exists',
    title: 'entrypoint exists in the image',
    passed,
    details: [detail],
  })
  if (!program) return result(false, 'the image has neither an entrypoint nor a command')
  const workingDir = image.config.config?.WorkingDir || '/'
  const candidates = program.includes('/')
    ? [posix.resolve(workingDir, program)]
    : pathDirs(image).map((dir) => posix.join(dir, program))
  for (const candidate of candidates) {
    const file = filesystem.resolve(candidate)
    if (file?.type === 'file') {
      return (file.mode & 0o111) !== 0
        ? result(true, `${program} is ${candidate}`)
        : result(false, `${candidate} is not executable (mode ${mode(file.mode)})`)
    }
  }
  return result(false, `${program} is not in the image (looked for ${candidates.join(', ')})`)
}

/**
 * Runs every hardening check on an image in an OCI layout. The checks read the
 * config and the layers directly, so they need no scanner and no daemon.
 */
export async function runHardeningChecks(
  layoutDir: string,
  image: LayoutImage,
  policy: HardeningPolicy,
): Promise<HardeningCheck[]> {
  const secrets: string[] = []
  const filesystem = await readImageFilesystem(layoutDir, image, (entry, layer) => {
    if (!entry.content) return
    for (const name of findSecrets(entry.content))
      secrets.push(`${entry.path}: ${name} (layer ${layer + 1})`)
  })
  return [
    checkUser(image),
    checkShells(filesystem),
    checkSetuid(filesystem),
    checkWorldWritable(filesystem),
    checkLabels(image, policy.requiredLabels),
    checkSize(image, policy.sizeBudgetBytes),
    {
      id: 'no-secrets',
      title: 'no private keys or tokens in any layer',
      passed: secrets.length === 0,
      details: limited(secrets.sort()),
    },
    checkEntrypoint(image, filesystem),
  ]
}
