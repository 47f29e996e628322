import { BuildFailedError, buildImage } from '../../../actions/lib/build/build-image'
import {
  createBuildProgress,
  heartbeatMsFrom,
  intervalScheduler,
  useColor,
} from '../../../actions/lib/build/build-progress'
import { parseBuildSecret } from '../../../actions/lib/build/build-secret'
import { UsageError } from '../../../actions/lib/errors'
import { nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'
import { parseBoolean } from './flag-values'

/** Where the OCI layout goes and how the result is printed, from --oci and --output. */
export interface BuildOutputFlags {
  oci?: string
  report: 'text' | 'json'
  /** Deprecation notices for spellings that still work. */
  notices: string[]
}

/**
 * `--oci DIR` names the layout and `--output text|json` the report, as in scan and push.
 * The older `--output oci:DIR` and `--output-json` still work, with a notice.
 */
export function parseBuildOutput(
  oci: string | undefined,
  output: string | undefined,
  outputJson: boolean,
): BuildOutputFlags {
  const notices: string[] = []
  let layout = oci
  let report: 'text' | 'json' = outputJson ? 'json' : 'text'
  if (outputJson) notices.push('--output-json is deprecated; use --output json')
  if (output?.startsWith('oci:')) {
    if (output.length === 4) {
      throw new UsageError(`invalid --output '${output}': name the OCI layout with --oci DIR`)
    }
    if (oci !== undefined) {
      throw new UsageError(
        'give the OCI layout once: --oci DIR (--output oci:DIR is its old spelling)',
      )
    }
    layout = output.slice(4)
    notices.push(
      `--output oci:DIR is deprecated; use --oci ${layout} (--output takes text or json)`,
    )
  } else if (output !== undefined) {
    if (output !== 'text' && output !== 'json') {
      throw new UsageError(
        `invalid --output '${output}': expected text or json (name the OCI layout with --oci DIR)`,
      )
    }
    report = output
  }
  if (layout === '') throw new UsageError('--oci needs a directory')
  return { oci: layout, report, notices }
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build a reproducible image into an OCI layout (docker buildx or buildah)',
  usage: `Usage: golden-path build --context DIR [--file Dockerfile] --image REPO [--tag T]... [flags]

Builds the image into an OCI layout directory, with tags and OCI labels in
docker/metadata-action's conventions (sha-<7>, branch, pr-<n>, semver from git
tags) and every timestamp set to the commit date (SOURCE_DATE_EPOCH), so two
builds of the same commit have the same digest. Scan the layout with
'golden-path scan --oci DIR', then push it with 'golden-path push'.

  --context DIR          build context inside the workspace (default .)
  --file F               Dockerfile, relative to the context (default Dockerfile)
  --image REPO           repository, e.g. ghcr.io/example-org/app (required)
  --tag T                extra tag (repeatable)
  --engine E             auto, docker or buildah (default auto)
  --build-arg K=V        build argument (repeatable)
  --secret SPEC          id=NAME,src=PATH or id=NAME,env=VAR (repeatable; never stored in a layer)
  --target STAGE         Dockerfile stage to build
  --platform P[,P]...    e.g. linux/amd64,linux/arm64: one OCI image index, one manifest
                         per platform, its digest reproducible like a single image's
  --cache-from SPEC      buildx cache source, e.g. type=gha (repeatable)
  --cache-to SPEC        buildx cache destination, e.g. type=gha,mode=max (repeatable)
  --no-cache             rebuild every step, ignoring the layer cache
  --label K=V            extra OCI label (repeatable)
  --title, --description, --licenses   values for the OCI labels of those names
  --oci DIR              where to write the OCI layout (default $RUNNER_TEMP or /tmp/golden-path/oci/<image>)
  --push                 push right after building (otherwise: scan, then 'golden-path push')
  --tls-verify BOOL      verify the registry's TLS certificate when pushing (default true)
  --output text|json     how to print the result (default text); the builder's progress goes to stderr

--output oci:DIR and --output-json, the older spellings of --oci DIR and --output json,
still work and print a deprecation notice.

Exit codes: 0 built, 1 the build failed, 2 usage or input error.`,
  async run(args, io) {
    const { values } = parseFlags('build', args, {
      context: { type: 'string' },
      file: { type: 'string' },
      image: { type: 'string' },
      tag: { type: 'string', multiple: true },
      engine: { type: 'string' },
      'build-arg': { type: 'string', multiple: true },
      secret: { type: 'string', multiple: true },
      target: { type: 'string' },
      platform: { type: 'string' },
      'cache-from': { type: 'string', multiple: true },
      'cache-to': { type: 'string', multiple: true },
      'no-cache': { type: 'boolean' },
      label: { type: 'string', multiple: true },
      title: { type: 'string' },
      description: { type: 'string' },
      licenses: { type: 'string' },
      oci: { type: 'string' },
      output: { type: 'string' },
      push: { type: 'boolean' },
      'tls-verify': { type: 'string' },
      'output-json': { type: 'boolean' },
    })
    const output = parseBuildOutput(
      stringFlag(values, 'oci'),
      stringFlag(values, 'output'),
      values['output-json'] === true,
    )
    for (const notice of output.notices) io.stderr.write(`golden-path build: warning: ${notice}\n`)
    const image = stringFlag(values, 'image')
    if (!image) throw new UsageError('--image is required (e.g. --image ghcr.io/example-org/app)')
    const logger = {
      ...nullLogger,
      info: (message: string) => io.stderr.write(`${message}\n`),
      warning: (message: string) => io.stderr.write(`warning: ${message}\n`),
    }
    const tty = io.stderrIsTTY === true
    const progress = createBuildProgress({
      tty,
      color: useColor(tty, io.env),
      write: (line) => io.stderr.write(`${line}\n`),
      scheduler: intervalScheduler,
      heartbeatMs: heartbeatMsFrom(io.env),
    })
    try {
      const result = await buildImage(
        {
          context: stringFlag(values, 'context') ?? '.',
          file: stringFlag(values, 'file'),
          image,
          tags: listFlag(values, 'tag'),
          engine: oneOf(
            'engine',
            stringFlag(values, 'engine'),
            ['auto', 'docker', 'buildah'],
            'auto',
          ),
          buildArgs: listFlag(values, 'build-arg'),
          secrets: listFlag(values, 'secret').map((spec) => parseBuildSecret(spec, '--secret')),
          target: stringFlag(values, 'target'),
          platform: stringFlag(values, 'platform'),
          cacheFrom: listFlag(values, 'cache-from'),
          cacheTo: listFlag(values, 'cache-to'),
          noCache: values['no-cache'] === true,
          labels: listFlag(values, 'label'),
          title: stringFlag(values, 'title'),
          description: stringFlag(values, 'description'),
          licenses: stringFlag(values, 'licenses'),
          output: output.oci,
          push: values.push === true,
          tlsVerify: parseBoolean('--tls-verify', stringFlag(values, 'tls-verify'), true),
          workspace: io.cwd,
          env: io.env,
        },
        { runner: spawnRunner, logger, clock: systemClock, onBuilderOutput: progress.output },
      )
      if (output.report === 'json') {
        io.stdout.write(`${JSON.stringify(result)}\n`)
      } else {
        const lines = [
          `built ${result.imageRef}`,
          `  layout: ${result.ociLayout}`,
          ...result.tags.map((tag) => `  tag: ${tag}`),
          ...(result.push ? [`  pushed: ${result.push.references.join(', ')}`] : []),
        ]
        io.stdout.write(`${lines.join('\n')}\n`)
      }
      return 0
    } catch (error) {
      if (!(error instanceof BuildFailedError)) throw error
      const tail = error.output.split('\n').slice(-30).join('\n')
      if (tail) io.stderr.write(`${tail}\n`)
      io.stderr.write(`golden-path build: ${error.message}\n`)
      return 1
    } finally {
      progress.stop()
    }
  },
}
