import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultKubernetesVersion } from '../manifests/schema-bundle'
import { validateManifests } from '../manifests/validate'
import type { Clock, CommandRunner, Logger } from '../ports'
import { bumpImages, defaultIdentity, defaultMaxAttempts } from '../writeback/bump-images'
import { defaultMessageTemplate } from '../writeback/commit-message'
import { GitCli } from '../writeback/git-cli'
import type { DeliveryState, DeliveryStep } from './delivery-pipeline'
import type { GitOpsBumpTarget } from './gitops-preflight'

export interface GitOpsStepOptions {
  /** The GitOps repository (a bare repository on disk, or any URL git can clone). */
  repository: string
  branch: string
  /** Overlay directory inside the repository. */
  overlay: string
  environment: string
  app?: string
  /** The product commit being delivered, for the bump commit's trailer. */
  sourceCommit?: string
}

export interface GitOpsStepPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
}

/** validate-manifests' core on the overlay as it is at the tip of the GitOps branch. */
export function validateStep(options: GitOpsStepOptions, ports: GitOpsStepPorts): DeliveryStep {
  return {
    name: 'validate',
    async run() {
      const checkout = mkdtempSync(join(tmpdir(), 'golden-path-validate-'))
      try {
        const clone = await ports.runner.run('git', [
          'clone',
          '--quiet',
          '--depth',
          '1',
          '--branch',
          options.branch,
          '--',
          options.repository,
          checkout,
        ])
        if (clone.exitCode !== 0) {
          throw new Error(`cannot clone the GitOps repository: ${clone.stderr.trim()}`)
        }
        const report = await validateManifests(
          {
            paths: [],
            cwd: checkout,
            kubernetesVersion: defaultKubernetesVersion,
            strict: true,
            crds: [],
            kustomize: [options.overlay],
            policy: 'golden-path',
            failOn: 'error',
            ignoreMissingSchemas: false,
            skip: [],
          },
          ports,
        )
        const { summary, counts } = report
        const detail = `${options.overlay}: ${summary.resources} resources, ${counts.errors} errors, ${counts.warnings} warnings (Kubernetes ${defaultKubernetesVersion}, golden-path policy)`
        if (report.inputErrors > 0 || !report.passed) {
          const first = report.resources
            .flatMap((resource) => resource.findings)
            .find((finding) => finding.severity === 'error' && finding.suppressed !== true)
          return {
            status: 'failed',
            detail: `${detail}${first ? `; first: ${first.file}:${first.line}: ${first.rule}: ${first.message}` : ''}`,
          }
        }
        return { status: 'passed', detail }
      } finally {
        rmSync(checkout, { recursive: true, force: true })
      }
    },
  }
}

/**
 * The tag a digest bump writes beside the digest: the build's `sha-<7>` tag (the one
 * that names exactly this build), else its first tag, so no tag of another build stays.
 */
export function buildTag(state: Pick<DeliveryState, 'tags'>): string | undefined {
  const tags = state.tags ?? []
  return tags.find((tag) => /^sha-[0-9a-f]{7,}$/.test(tag)) ?? tags[0]
}

/**
 * bump-image-tag's core: in the overlay's images: entry chosen before the build, points
 * newName at the registry the image was pushed to and pins the build's tag and digest,
 * then commits and pushes.
 */
export function bumpStep(
  options: GitOpsStepOptions & { target: GitOpsBumpTarget },
  ports: GitOpsStepPorts,
): DeliveryStep {
  return {
    name: 'bump',
    async run(state) {
      if (!state.digest) throw new Error('no pushed digest to bump')
      const workspace = mkdtempSync(join(tmpdir(), 'golden-path-bump-'))
      try {
        const result = await bumpImages(
          {
            bumps: [
              {
                image: options.target.name,
                newName: state.image,
                tag: buildTag(state),
                digest: state.digest,
              },
            ],
            files: [options.target.file],
            directories: [],
            targets: { add: options.target.adding },
            dryRun: false,
            workspace,
            git: {
              repo: options.repository,
              branch: options.branch,
              push: true,
              mode: 'commit',
              messageTemplate: defaultMessageTemplate,
              environment: options.environment,
              app: options.app,
              sourceCommit: options.sourceCommit,
              identity: defaultIdentity,
              sign: false,
              maxAttempts: defaultMaxAttempts,
            },
          },
          {
            git: new GitCli(ports.runner),
            logger: ports.logger,
            clock: ports.clock,
            random: Math.random,
          },
        )
        if (!result.changed) {
          return { status: 'passed', detail: `${options.overlay} already pins ${state.digest}` }
        }
        state.gitopsCommit = result.commit ?? undefined
        return {
          status: 'passed',
          detail: `${result.commit?.slice(0, 12)} on ${options.branch}: ${result.files.map((file) => `${file.file} ${file.old} → ${file.new}`).join(', ')}`,
        }
      } finally {
        rmSync(workspace, { recursive: true, force: true })
      }
    },
  }
}
