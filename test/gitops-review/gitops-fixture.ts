import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { git } from '../support/git-project'

export const image = 'ghcr.io/acme/payments'
export const digests = {
  /** What every overlay pins in the fixture. */
  current: `sha256:${'a1'.repeat(32)}`,
  next: `sha256:${'b2'.repeat(32)}`,
  other: `sha256:${'c3'.repeat(32)}`,
}

const fixture = new URL('./fixtures/payments-gitops', import.meta.url).pathname

/** A delivery record as deliveries write it (the documented DeliveryRecord fields). */
export function deliveryRecord(fields: {
  environment: string
  digest: string
  outcome: 'healthy' | 'failed' | 'rolled-back'
  commit: string
  finishedAt?: string
}) {
  const finishedAt = fields.finishedAt ?? '2026-11-02T10:05:00Z'
  return {
    apiVersion: 'golden-path.dev/v1',
    kind: 'DeliveryRecord',
    environment: fields.environment,
    app: `payments-${fields.environment}`,
    trigger: 'delivery',
    source: {
      repository: 'https://github.com/acme/payments',
      commit: 'f'.repeat(40),
      committedAt: '2026-11-02T09:55:00Z',
    },
    image: { name: image, digest: fields.digest },
    gitops: {
      repository: 'https://github.com/acme/payments-gitops',
      path: `overlays/${fields.environment}`,
      commit: fields.commit,
    },
    startedAt: '2026-11-02T10:00:00Z',
    finishedAt,
    outcome: fields.outcome,
    ...(fields.outcome === 'healthy' ? { healthyAt: finishedAt } : {}),
    ...(fields.outcome !== 'healthy'
      ? { failure: { step: 'verify', message: 'Degraded: payments' } }
      : {}),
  }
}

/** A git repository holding the fixture GitOps repository as its first commit (the base). */
export class GitOpsFixture {
  readonly root: string
  readonly dir: string
  readonly base: string

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'golden-path-gitops-review-'))
    this.dir = join(this.root, 'gitops')
    cpSync(fixture, this.dir, { recursive: true })
    git(this.dir, ['init', '-q', '-b', 'main'])
    this.base = this.commit('seed: payments in dev, stage and prod')
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8')
  }

  write(path: string, text: string): void {
    writeFileSync(join(this.dir, path), text)
  }

  /** Replaces the digest an overlay pins. */
  pin(environment: string, digest: string): void {
    const path = `overlays/${environment}/kustomization.yaml`
    this.write(path, this.read(path).replace(/digest: sha256:[0-9a-f]{64}/, `digest: ${digest}`))
  }

  commit(message: string): string {
    git(this.dir, ['add', '-A'])
    git(this.dir, ['commit', '-q', '--allow-empty', '-m', message])
    return git(this.dir, ['rev-parse', 'HEAD'])
  }

  /** Attaches a note under refs/notes/golden-path, as a delivery does. */
  note(commit: string, text: string): void {
    git(this.dir, ['notes', '--ref', 'golden-path', 'add', '-f', '-m', text, commit])
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true })
  }
}
