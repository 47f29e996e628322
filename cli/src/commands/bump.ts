import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { spawnRunner, systemClock } from '../../../actions/lib/ports'
import { redact, registerSecret } from '../../../actions/lib/redaction'
import {
  type BumpResult,
  bumpImages,
  defaultIdentity,
  defaultMaxAttempts,
} from '../../../actions/lib/writeback/bump-images'
import {
  pairImageBumps,
  parseBranch,
  parseMaxAttempts,
  parseMessageTemplate,
  parseSourceCommit,
} from '../../../actions/lib/writeback/bump-settings'
import { defaultMessageTemplate } from '../../../actions/lib/writeback/commit-message'
import { GitCli, needsToken } from '../../../actions/lib/writeback/git-cli'
import { WriteBackFailure } from '../../../actions/lib/writeback/write-back-failure'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { CliIO, Command } from '../command'
import { signatureGate, signatureGateFlags } from './signature-gate'

const usage = `Usage: golden-path bump --image NAME (--tag TAG | --digest sha256:... | both) [--file F]... [--dir D]
         [--values-path key.path] [--add] [--repo R --branch B] [--push] [--mode commit|pr]
         [--message TEMPLATE] [--dry-run] [--output text|json]

Writes a new image version into kustomizations (images: entries matched by name or
newName), Helm values, raw manifests and Flux setter markers, changing only the bytes
of the values involved. Without --repo the files are edited in place.

  --image NAME          repository to bump (repeatable; pairs with --tag/--digest in order)
  --tag TAG             new tag (one for all images, or one per image)
  --digest sha256:...   pin by digest (one per image); without --tag, an existing tag is removed
                        unless the digest is the one already pinned (a tag never names another build)
  --file F, --dir D     files to edit, or every YAML file under D (repeatable)
  --values-path PATH    dotted key of the tag in Helm values files (image.tag)
  --add                 append a kustomize images: entry where none names the image
  --repo R              git URL, bare repository or checkout to commit to
  --branch B            branch to commit to (and base branch of the pull request)
  --push                push the commit; a moved branch is re-read and the edit re-applied
  --mode commit|pr      push to B, or to golden-path/<env>/<app> and open or update a PR
  --message TEMPLATE    commit subject; {env} {app} {image} {old} {new} {tag} {digest}
                        (default '${defaultMessageTemplate}')
  --environment ENV     environment named in the message and the PR branch
  --app APP             app named in the PR branch (default: the image's last path part)
  --source-commit SHA   recorded as the Golden-Path-Source-Commit trailer (default $GITHUB_SHA)
  --author-name N, --author-email E   commit author and committer
  --sign                sign the commit (git's user.signingkey and gpg.format)
  --max-attempts N      pushes tried before giving up (default ${defaultMaxAttempts})
  --token T             token for https pushes and the GitHub API (default $GITHUB_TOKEN)
  --github-api-url URL  GitHub REST API (default $GITHUB_API_URL or https://api.github.com)
  --github-repository O/R  repository the PR is opened in (default from --repo or $GITHUB_REPOSITORY)
  --require-signature   verify every --image@--digest first (verify-image's policy flags:
                        --key PUB.pem or --certificate-identity-regexp/--certificate-oidc-issuer,
                        --require-attestation, --source-repository, --builder-id-regexp,
                        --trusted-root, --tls-verify); an image that fails is never written
  --dry-run             print the unified diff; write, commit and push nothing
  --output text|json    json: {"changed","files":[{"file","old","new"}],"commit","pushed","attempts"}

Exit codes: 0 bumped or already current, 1 image not found, conflict or push rejected,
2 usage or input error.`

const flags = {
  image: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  digest: { type: 'string', multiple: true },
  file: { type: 'string', multiple: true },
  dir: { type: 'string', multiple: true },
  'values-path': { type: 'string' },
  add: { type: 'boolean' },
  repo: { type: 'string' },
  branch: { type: 'string' },
  push: { type: 'boolean' },
  mode: { type: 'string' },
  message: { type: 'string' },
  environment: { type: 'string' },
  app: { type: 'string' },
  'source-commit': { type: 'string' },
  'author-name': { type: 'string' },
  'author-email': { type: 'string' },
  sign: { type: 'boolean' },
  'max-attempts': { type: 'string' },
  token: { type: 'string' },
  'github-api-url': { type: 'string' },
  'github-repository': { type: 'string' },
  'dry-run': { type: 'boolean' },
  output: { type: 'string' },
  ...signatureGateFlags,
} as const

/** The `--output json` document: exactly these keys, which other tools read. */
export function bumpJson(result: BumpResult): string {
  return JSON.stringify({
    changed: result.changed,
    files: result.files.map((change) => ({ file: change.file, old: change.old, new: change.new })),
    commit: result.commit,
    pushed: result.pushed,
    attempts: result.attempts,
  })
}

function renderText(result: BumpResult, dryRun: boolean): string {
  const lines: string[] = []
  if (dryRun && result.diff) lines.push(result.diff.trimEnd())
  if (!result.changed) lines.push('already current: nothing changed')
  for (const change of result.files) lines.push(`${change.file}: ${change.old} → ${change.new}`)
  if (result.commit) lines.push(`commit ${result.commit}`)
  if (result.pushed) lines.push(`pushed to ${result.pushedRef} (attempt ${result.attempts})`)
  if (result.prUrl) lines.push(`pull request ${result.prUrl}`)
  return `${lines.join('\n')}\n`
}

/** Loaded only in PR mode: the GitHub client is most of the bundle's start-up time. */
async function pullRequestsClient(token: string, baseUrl: string) {
  const { GitHubPullRequests } = await import('../../../actions/lib/writeback/github-pull-requests')
  return new GitHubPullRequests({ token, baseUrl })
}

export const bumpCommand: Command = {
  name: 'bump',
  summary: 'Write a new image tag or digest back to GitOps manifests and push it',
  usage,
  async run(args: string[], io: CliIO) {
    const { values } = parseFlags('bump', args, flags)
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const mode = oneOf('mode', stringFlag(values, 'mode'), ['commit', 'pr'], 'commit')
    const bumps = pairImageBumps(
      listFlag(values, 'image'),
      listFlag(values, 'tag'),
      listFlag(values, 'digest'),
    )
    const repo = stringFlag(values, 'repo')
    const branch = parseBranch(stringFlag(values, 'branch'))
    const dryRun = values['dry-run'] === true
    if (repo !== undefined && branch === undefined) throw new UsageError('--repo needs --branch')
    if (repo === undefined && (values.push === true || mode === 'pr')) {
      throw new UsageError(`${mode === 'pr' ? '--mode pr' : '--push'} needs --repo and --branch`)
    }
    const token = stringFlag(values, 'token') ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN
    const apiUrl =
      stringFlag(values, 'github-api-url') ?? io.env.GITHUB_API_URL ?? 'https://api.github.com'
    if (mode === 'pr' && !dryRun && !token)
      throw new UsageError('--mode pr needs --token or $GITHUB_TOKEN')
    const request = {
      bumps,
      files: listFlag(values, 'file'),
      directories: listFlag(values, 'dir'),
      targets: {
        add: values.add === true,
        valuesPath: stringFlag(values, 'values-path') || undefined,
      },
      dryRun,
      workspace: io.cwd,
      git:
        repo === undefined || branch === undefined
          ? undefined
          : {
              repo,
              branch,
              push: values.push === true,
              mode,
              messageTemplate: parseMessageTemplate(
                stringFlag(values, 'message'),
                defaultMessageTemplate,
              ),
              environment: stringFlag(values, 'environment') || undefined,
              app: stringFlag(values, 'app') || undefined,
              sourceCommit: parseSourceCommit(
                stringFlag(values, 'source-commit') ?? (io.env.GITHUB_SHA || undefined),
              ),
              identity: {
                name: stringFlag(values, 'author-name') || defaultIdentity.name,
                email: stringFlag(values, 'author-email') || defaultIdentity.email,
              },
              sign: values.sign === true,
              maxAttempts: parseMaxAttempts(stringFlag(values, 'max-attempts'), defaultMaxAttempts),
              githubRepository:
                stringFlag(values, 'github-repository') ?? (io.env.GITHUB_REPOSITORY || undefined),
            },
    }
    if (request.files.length === 0 && request.directories.length === 0) {
      throw new UsageError('name the files to edit with --file or --dir')
    }
    registerSecret(token)
    const refusal = await signatureGate(values, bumps, io)
    if (refusal !== undefined) {
      io.stderr.write(`golden-path bump: ${redact(refusal)}\n`)
      return ExitCode.Failed
    }
    // Git's and servers' words can carry a URL with credentials or the token itself.
    const logger = {
      debug() {},
      info: (message: string) => {
        if (output === 'text') io.stderr.write(`${redact(message)}\n`)
      },
      warning: (message: string) => io.stderr.write(`warning: ${redact(message)}\n`),
      error: (message: string) => io.stderr.write(`error: ${redact(message)}\n`),
    }
    let result: BumpResult
    try {
      result = await bumpImages(request, {
        git: new GitCli(
          spawnRunner,
          { token: repo !== undefined && needsToken(repo) ? token : undefined },
          io.env,
        ),
        logger,
        clock: systemClock,
        random: Math.random,
        pullRequests: mode === 'pr' && token ? await pullRequestsClient(token, apiUrl) : undefined,
      })
    } catch (error) {
      if (error instanceof WriteBackFailure) {
        io.stderr.write(`golden-path bump: ${oneLine(error)}\n`)
        return ExitCode.Failed
      }
      throw error
    }
    io.stdout.write(output === 'json' ? `${bumpJson(result)}\n` : renderText(result, dryRun))
    return ExitCode.Success
  },
}
