import { UsageError } from '../../lib/errors'
import {
  type BumpRequest,
  defaultIdentity,
  defaultMaxAttempts,
  type WriteBackMode,
} from '../../lib/writeback/bump-images'
import {
  pairImageBumps,
  parseBranch,
  parseMaxAttempts,
  parseMessageTemplate,
  parseSourceCommit,
} from '../../lib/writeback/bump-settings'
import { defaultMessageTemplate } from '../../lib/writeback/commit-message'

/** The action's inputs, keyed as in action.yml. */
export interface Inputs {
  image: string[]
  tag: string[]
  digest: string[]
  files: string[]
  dir: string[]
  'values-path': string
  add: boolean
  repo: string
  branch: string
  push: boolean
  mode: WriteBackMode
  message: string
  'dry-run': boolean
  environment: string
  app: string
  'source-commit': string
  token: string
  'github-api-url': string
  'github-repository': string
  'author-name': string
  'author-email': string
  sign: boolean
  'max-attempts': number
}

/** What the runner hands an input: INPUT_<NAME> with spaces as underscores, upper-cased. */
function raw(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return raw(env, name)
    .split(/[\n,]/)
    .map((value) => value.trim())
    .filter((value) => value !== '')
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = raw(env, name)
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new UsageError(`invalid input '${name}': '${value}', expected 'true' or 'false'`)
}

export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const mode = raw(env, 'mode') || 'commit'
  if (mode !== 'commit' && mode !== 'pr') {
    throw new UsageError(`invalid input 'mode': '${mode}', expected 'commit' or 'pr'`)
  }
  const inputs: Inputs = {
    image: list(env, 'image'),
    tag: list(env, 'tag'),
    digest: list(env, 'digest'),
    files: list(env, 'files'),
    dir: list(env, 'dir'),
    'values-path': raw(env, 'values-path'),
    add: boolean(env, 'add', false),
    repo: raw(env, 'repo'),
    branch: parseBranch(raw(env, 'branch')) ?? '',
    push: boolean(env, 'push', false),
    mode,
    message: parseMessageTemplate(raw(env, 'message'), defaultMessageTemplate),
    'dry-run': boolean(env, 'dry-run', false),
    environment: raw(env, 'environment'),
    app: raw(env, 'app'),
    'source-commit': raw(env, 'source-commit') || (env.GITHUB_SHA ?? ''),
    token: raw(env, 'token'),
    'github-api-url': raw(env, 'github-api-url') || env.GITHUB_API_URL || 'https://api.github.com',
    'github-repository': raw(env, 'github-repository') || (env.GITHUB_REPOSITORY ?? ''),
    'author-name': raw(env, 'author-name') || defaultIdentity.name,
    'author-email': raw(env, 'author-email') || defaultIdentity.email,
    sign: boolean(env, 'sign', false),
    'max-attempts': parseMaxAttempts(raw(env, 'max-attempts'), defaultMaxAttempts),
  }
  if (inputs.image.length === 0) throw new UsageError("input 'image' is required")
  if (inputs.repo !== '' && inputs.branch === '') {
    throw new UsageError("input 'branch' is required when 'repo' is set")
  }
  if (inputs.repo === '' && (inputs.push || inputs.mode === 'pr')) {
    throw new UsageError(
      `input '${inputs.mode === 'pr' ? 'mode: pr' : 'push'}' needs 'repo' and 'branch'`,
    )
  }
  if (inputs.files.length === 0 && inputs.dir.length === 0) {
    throw new UsageError("set input 'files' or 'dir' to name the manifests to edit")
  }
  if (inputs.mode === 'pr' && !inputs['dry-run'] && inputs.token === '') {
    throw new UsageError("input 'token' is required with 'mode: pr'")
  }
  return inputs
}

/** The core's request for these inputs; `workspace` is where relative paths start. */
export function toBumpRequest(inputs: Inputs, workspace: string): BumpRequest {
  return {
    bumps: pairImageBumps(inputs.image, inputs.tag, inputs.digest),
    files: inputs.files,
    directories: inputs.dir,
    targets: { add: inputs.add, valuesPath: inputs['values-path'] || undefined },
    dryRun: inputs['dry-run'],
    workspace,
    git:
      inputs.repo === ''
        ? undefined
        : {
            repo: inputs.repo,
            branch: inputs.branch,
            push: inputs.push,
            mode: inputs.mode,
            messageTemplate: inputs.message,
            environment: inputs.environment || undefined,
            app: inputs.app || undefined,
            sourceCommit: parseSourceCommit(inputs['source-commit']),
            identity: { name: inputs['author-name'], email: inputs['author-email'] },
            sign: inputs.sign,
            maxAttempts: inputs['max-attempts'],
            githubRepository: inputs['github-repository'] || undefined,
          },
  }
}
