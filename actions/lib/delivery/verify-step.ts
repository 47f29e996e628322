import {
  parseVerifySettings,
  runVerification,
  type VerifySettings,
} from '../argocd/verify-settings'
import type { Logger } from '../ports'
import type { DeliveryStep } from './delivery-pipeline'

export interface ArgoCdTarget {
  server: string
  app?: string
  token?: string
  insecure: boolean
  timeoutSeconds?: string
  /**
   * False where Argo CD cannot list the running images: its AppProject does not admit
   * ReplicaSets and Pods, which Argo CD then leaves out of the resource tree that
   * `status.summary.images` is taken from. The exact-revision check alone then stands for
   * the image, since that commit pins its digest.
   */
  reportsImages?: boolean
}

/** Flags name the verify settings `--argocd-<name>`, as `golden-path deliver` takes them. */
const flagLabel = (name: string) => `--argocd-${name}`

/** A revision in the right shape, to check every other setting before the delivery starts. */
const placeholderRevision = '0'.repeat(40)

function settingsFor(target: ArgoCdTarget, revision: string, env: NodeJS.ProcessEnv) {
  return parseVerifySettings(
    {
      server: target.server,
      app: target.app,
      revision,
      token: target.token,
      sync: false,
      images: [],
      insecure: target.insecure,
      timeout: target.timeoutSeconds,
      refresh: 'normal',
    },
    flagLabel,
    env.ARGOCD_AUTH_TOKEN,
  )
}

/**
 * Checks the Argo CD flags up front (a missing app or token is a usage error now,
 * not after the build), and returns the step that verifies the bump commit.
 */
export function verifyStep(
  target: ArgoCdTarget,
  env: NodeJS.ProcessEnv,
  ports: { logger: Logger },
): DeliveryStep {
  settingsFor(target, placeholderRevision, env)
  return {
    name: 'verify',
    async run(state) {
      if (!state.gitopsCommit) {
        throw new Error('no GitOps commit to verify: the bump changed nothing')
      }
      const settings: VerifySettings = {
        ...settingsFor(target, state.gitopsCommit, env),
        images: state.imageRef && target.reportsImages !== false ? [state.imageRef] : [],
      }
      const result = await runVerification(settings, ports, flagLabel('ca-file'))
      state.syncedRevision = result.syncedRevision ?? undefined
      const detail = `${settings.app}: ${result.outcome} — ${result.message}`
      return { status: result.verified ? 'passed' : 'failed', detail }
    },
  }
}
