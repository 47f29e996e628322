import type { DeliveryStep } from './delivery-pipeline'

/**
 * The verify step when no Argo CD server was given: skipped, and said so, because
 * without it nothing shows that Argo CD applied the new commit.
 */
export function verifySkippedStep(): DeliveryStep {
  return {
    name: 'verify',
    async run(state) {
      const commit = state.gitopsCommit ? ` ${state.gitopsCommit.slice(0, 12)}` : ''
      return {
        status: 'skipped',
        detail: `no --argocd-server given: nothing checked that Argo CD applied GitOps commit${commit}`,
      }
    },
  }
}
