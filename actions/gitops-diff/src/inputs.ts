import { isAbsolute, join } from 'node:path'
import { ActionInputs } from '../../lib/action-input'
import { UsageError } from '../../lib/errors'
import {
  defaultNotesRef,
  defaultPromotionOrder,
  type GitOpsReviewRequest,
} from '../../lib/gitops-review/review-change'

/** The action's inputs, keyed as in action.yml. */
export interface Inputs {
  path: string
  base: string
  head: string
  overlays: string[]
  environments: string[]
  'notes-ref': string
}

const environmentName = /^[\w.-]+$/

/** Parses the inputs once; every error names the input and what it accepts. */
export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  const environments = inputs.list('environments', { commas: true })
  for (const environment of environments) {
    if (!environmentName.test(environment)) {
      throw new UsageError(
        `input 'environments' has '${environment}': expected names like dev, stage, prod separated by commas`,
      )
    }
  }
  const notesRef = inputs.optional('notes-ref') ?? defaultNotesRef
  if (/\s|\.\.|^-/.test(notesRef)) {
    throw new UsageError(
      `input 'notes-ref' is '${notesRef}': expected a ref like ${defaultNotesRef}`,
    )
  }
  return {
    path: inputs.optional('path') ?? '.',
    base: inputs.optional('base') ?? '',
    head: inputs.optional('head') ?? 'HEAD',
    overlays: inputs.list('overlays', { commas: true }),
    environments: environments.length > 0 ? environments : [...defaultPromotionOrder],
    'notes-ref': notesRef,
  }
}

/** The core's request; `workspace` is where a relative path starts. */
export function toReviewRequest(inputs: Inputs, workspace: string): GitOpsReviewRequest {
  return {
    repository: isAbsolute(inputs.path) ? inputs.path : join(workspace, inputs.path),
    base: inputs.base || undefined,
    head: inputs.head,
    overlays: inputs.overlays,
    promotionOrder: inputs.environments,
    notesRef: inputs['notes-ref'],
  }
}
