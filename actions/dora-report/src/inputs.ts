import { ActionInputs } from '../../lib/action-input'

export interface Inputs {
  repository: string
  environment?: string
  since: string
  until?: string
  token?: string
}

export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  return {
    repository: inputs.required('repository', 'https://github.com/acme/payments-gitops.git'),
    environment: inputs.optional('environment'),
    since: inputs.optional('since') ?? '30d',
    until: inputs.optional('until'),
    token: inputs.optional('token'),
  }
}
