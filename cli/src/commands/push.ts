import { resolve } from 'node:path'
import { oneLine, UsageError } from '../../../actions/lib/errors'
import { nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { registerSecret } from '../../../actions/lib/redaction'
import { parseRepository } from '../../../actions/lib/registry/image-reference'
import {
  type PushResult,
  pushImage,
  RegistryPushError,
} from '../../../actions/lib/registry/push-image'
import { RegistryAuthError } from '../../../actions/lib/registry/registry-errors'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { CliIO, Command } from '../command'
import { parseBoolean } from './flag-values'

async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

export const pushCommand: Command = {
  name: 'push',
  summary: 'Push the exact bytes of an OCI layout (the scanned image) to a registry',
  usage: `Usage: golden-path push --oci DIR --image REPO [--image REPO]... [--tag T]... [flags]

Pushes the image (or multi-platform index) in an OCI layout written by
'golden-path build' without rebuilding or recompressing it: the digest pushed
is the digest built and scanned, at every destination. Every destination's
access is checked before any bytes move; retryable failures (5xx, resets,
timeouts) are retried with backoff. The command succeeds only when every tag
at every destination serves that digest.

Credentials, first found wins: --username/--password-stdin (first --image's
registry only), REGISTRY_USERNAME/REGISTRY_PASSWORD, REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
$DOCKER_CONFIG/config.json, ~/.docker/config.json (auths, credHelpers and
credsStore through docker-credential-<name> when installed).

  --oci DIR              OCI layout to push (required)
  --image REPO           destination repository (required; repeatable: same digest everywhere)
  --tag T                tag to push (repeatable; default: the tag inside the layout)
  --tls-verify BOOL      verify the registry's TLS certificate (default true)
  --username U           registry user; the password is read from stdin (--password-stdin)
  --password-stdin       read the registry password from stdin
  --attempts N           tries per tag for retryable failures (default 3)
  --output text|json     how to print the result (default text)

Exit codes: 0 pushed everywhere, 1 a destination was not pushed (or refused the
credentials), 2 usage error.`,
  async run(args, io) {
    const { values } = parseFlags('push', args, {
      oci: { type: 'string' },
      image: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      'tls-verify': { type: 'string' },
      username: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      attempts: { type: 'string' },
      output: { type: 'string' },
    })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const oci = stringFlag(values, 'oci')
    if (!oci)
      throw new UsageError('--oci is required (the OCI layout written by golden-path build)')
    const imageFlags = listFlag(values, 'image')
    if (imageFlags.length === 0)
      throw new UsageError('--image is required (e.g. --image ghcr.io/example-org/app)')
    const [image, ...additionalImages] = imageFlags.map((entry) =>
      parseRepository(entry, '--image'),
    )
    const attemptsFlag = stringFlag(values, 'attempts') ?? '3'
    if (!/^[1-9]\d*$/.test(attemptsFlag)) {
      throw new UsageError(`invalid --attempts '${attemptsFlag}': expected a whole number from 1`)
    }
    const layout = resolve(io.cwd, oci)
    const render = (result: PushResult) =>
      output === 'json'
        ? `${JSON.stringify(result)}\n`
        : `pushed ${result.imageRef}\n${result.references.map((reference) => `  tag: ${reference}`).join('\n')}\n`
    const password = values['password-stdin'] === true ? await readStdin(io) : undefined
    registerSecret(password)
    let result: PushResult
    try {
      result = await pushImage(
        {
          ociLayout: layout,
          image: image!,
          additionalImages,
          env: io.env,
          tags: listFlag(values, 'tag'),
          tlsVerify: parseBoolean('--tls-verify', stringFlag(values, 'tls-verify'), true),
          username: stringFlag(values, 'username'),
          password,
          attempts: Number(attemptsFlag),
          retryDelayMs: 2000,
        },
        {
          runner: spawnRunner,
          logger: {
            ...nullLogger,
            warning: (message) => io.stderr.write(`warning: ${message}\n`),
          },
          clock: systemClock,
        },
      )
    } catch (error) {
      if (!(error instanceof RegistryPushError || error instanceof RegistryAuthError)) throw error
      io.stderr.write(`golden-path push: ${oneLine(error)}\n`)
      if (output === 'json' && error instanceof RegistryPushError && error.result) {
        io.stdout.write(`${JSON.stringify(error.result)}\n`)
      }
      return 1
    }
    io.stdout.write(render(result))
    return 0
  },
}
