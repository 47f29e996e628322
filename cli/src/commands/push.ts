import { resolve } from 'node:path'
import { UsageError } from '../../../actions/lib/errors'
import { nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { registerSecret } from '../../../actions/lib/redaction'
import { parseRepository } from '../../../actions/lib/registry/image-reference'
import { pushImage } from '../../../actions/lib/registry/push-image'
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
  usage: `Usage: golden-path push --oci DIR --image REPO [--tag T]... [--tls-verify true|false]

Pushes the image in an OCI layout written by 'golden-path build' without
rebuilding or recompressing it: the digest pushed is the digest built and
scanned. Each tag is retried with backoff; the command succeeds only when
every tag is in the registry with that digest.

  --oci DIR              OCI layout to push (required)
  --image REPO           destination repository (required)
  --tag T                tag to push (repeatable; default: the tag inside the layout)
  --tls-verify BOOL      verify the registry's TLS certificate (default true)
  --username U           registry user; the password is read from stdin (--password-stdin)
  --password-stdin       read the registry password from stdin
  --attempts N           tries per tag (default 3)
  --output text|json     how to print the result (default text)

Exit codes: 0 pushed, 1 the push failed (the registry refused it or is unreachable), 2 usage error.`,
  async run(args, io) {
    const { values } = parseFlags('push', args, {
      oci: { type: 'string' },
      image: { type: 'string' },
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
    const imageFlag = stringFlag(values, 'image')
    if (!imageFlag)
      throw new UsageError('--image is required (e.g. --image ghcr.io/example-org/app)')
    const image = parseRepository(imageFlag, '--image')
    const attemptsFlag = stringFlag(values, 'attempts') ?? '3'
    if (!/^[1-9]\d*$/.test(attemptsFlag)) {
      throw new UsageError(`invalid --attempts '${attemptsFlag}': expected a whole number from 1`)
    }
    const layout = resolve(io.cwd, oci)
    const password = values['password-stdin'] === true ? await readStdin(io) : undefined
    registerSecret(password)
    const result = await pushImage(
      {
        ociLayout: layout,
        image,
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
    io.stdout.write(
      output === 'json'
        ? `${JSON.stringify(result)}\n`
        : `pushed ${result.imageRef}\n${result.references.map((reference) => `  tag: ${reference}`).join('\n')}\n`,
    )
    return 0
  },
}
