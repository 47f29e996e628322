import type { WatchMode } from '../../../actions/lib/argocd/application-observer'
import { renderVerificationText } from '../../../actions/lib/argocd/verification-report'
import {
  parseVerifySettings,
  runVerification,
  verifyDefaults,
} from '../../../actions/lib/argocd/verify-settings'
import { ExitCode } from '../../../actions/lib/errors'
import type { Logger } from '../../../actions/lib/ports'
import { redact } from '../../../actions/lib/redaction'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

const defaultWatch: WatchMode = verifyDefaults.watch

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Prove that Argo CD applied an exact commit and the app is healthy',
  usage: `Usage: golden-path verify --server URL --app NAME --revision SHA [--token T]
         [--app-namespace NS] [--project P] [--refresh normal|hard] [--sync]
         [--images REF]... [--timeout SECONDS] [--insecure | --ca-file PEM]
         [--watch ndjson|sse|poll] [--poll-interval SECONDS]
         [--request-timeout SECONDS] [--degraded-grace SECONDS] [--output text|json]

Waits until the Argo CD application is Synced at exactly --revision (every
source of a multi-source app), its sync operation for that revision Succeeded,
it is Healthy and, with --images, runs every given image. Fails fast when the
app turns Degraded at the revision (after --degraded-grace), the operation
fails, Argo CD reports a ComparisonError or SyncError, the app is missing, or
the token is rejected, naming the unhealthy resources from the resource tree.

  --server           Argo CD server URL (a bare host means https)
  --app              application name
  --revision         commit SHA: 40 hex digits, or an unambiguous prefix of 7 or more
  --token            API token (default: $ARGOCD_AUTH_TOKEN)
  --app-namespace    namespace of the Application when not Argo CD's own
  --project          project the application must belong to
  --refresh          ask Argo CD to refresh the app first (normal or hard)
  --sync             request a sync to --revision (apps without automated sync)
  --images           image reference that must be deployed (repeatable)
  --timeout          give up after this many seconds (default ${verifyDefaults.timeoutSeconds})
  --ca-file          PEM bundle of the CA that signed the server's certificate
  --insecure         do not verify the server's TLS certificate
  --watch            follow the app by JSON stream, server-sent events or polling (default ${defaultWatch})
  --poll-interval    seconds between polls when not streaming (default ${verifyDefaults.pollIntervalSeconds})
  --request-timeout  seconds each request may take (default ${verifyDefaults.requestTimeoutSeconds})
  --degraded-grace   seconds the app may stay Degraded at the revision (default ${verifyDefaults.degradedGraceSeconds})
  --output           text (default) or json

Exit codes: 0 verified; 1 failed, degraded, unauthorized or timed out; 2 usage error.`,
  async run(args, io) {
    const { values } = parseFlags('verify', args, {
      server: { type: 'string' },
      app: { type: 'string' },
      revision: { type: 'string' },
      token: { type: 'string' },
      'app-namespace': { type: 'string' },
      project: { type: 'string' },
      refresh: { type: 'string' },
      sync: { type: 'boolean' },
      images: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      insecure: { type: 'boolean' },
      'ca-file': { type: 'string' },
      watch: { type: 'string' },
      'poll-interval': { type: 'string' },
      'request-timeout': { type: 'string' },
      'degraded-grace': { type: 'string' },
      output: { type: 'string' },
    })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const text = (name: string) => stringFlag(values, name)
    const settings = parseVerifySettings(
      {
        server: text('server'),
        app: text('app'),
        revision: text('revision'),
        token: text('token'),
        'app-namespace': text('app-namespace'),
        project: text('project'),
        refresh: text('refresh'),
        sync: values.sync === true,
        images: listFlag(values, 'images').flatMap((value) => value.split(',')),
        timeout: text('timeout'),
        insecure: values.insecure === true,
        'ca-file': text('ca-file'),
        watch: text('watch'),
        'poll-interval': text('poll-interval'),
        'request-timeout': text('request-timeout'),
        'degraded-grace': text('degraded-grace'),
      },
      (name) => `--${name}`,
      io.env.ARGOCD_AUTH_TOKEN,
    )
    // The token is never logged; masking it (and URL credentials) anyway guards against a
    // server echoing it back.
    const log = (level: string) => (message: string) => {
      io.stderr.write(`golden-path verify: ${level}${redact(message)}\n`)
    }
    const logger: Logger = {
      debug() {},
      info: log(''),
      warning: log('warning: '),
      error: log('error: '),
    }
    const result = await runVerification(settings, { logger })
    io.stdout.write(
      output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderVerificationText(result),
    )
    return result.verified ? ExitCode.Success : ExitCode.Failed
  },
}
