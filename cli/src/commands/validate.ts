import { ExitCode, UsageError } from '../../../actions/lib/errors'
import { inputText, maxInputBytes } from '../../../actions/lib/manifests/input-files'
import { renderJunit } from '../../../actions/lib/manifests/render-junit'
import { renderSarif } from '../../../actions/lib/manifests/render-sarif'
import { renderJson, renderText } from '../../../actions/lib/manifests/render-text'
import type { Severity } from '../../../actions/lib/manifests/report'
import {
  defaultKubernetesVersion,
  parseKubernetesVersion,
} from '../../../actions/lib/manifests/schema-bundle'
import { validateManifests } from '../../../actions/lib/manifests/validate'
import { validationThreadsFrom } from '../../../actions/lib/manifests/validation-threads'
import { nullLogger, spawnRunner } from '../../../actions/lib/ports'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

/**
 * Standard input read like a file: at most the input limit and one byte, a BOM dropped, and
 * anything that is not UTF-8 text refused.
 */
async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk as Buffer)
    chunks.push(bytes)
    total += bytes.length
    if (total > maxInputBytes) break
  }
  const { text, error } = inputText(Buffer.concat(chunks, total))
  if (text === undefined) throw new UsageError(`stdin ${error}`)
  return text
}

/** Comma-separated values of a repeatable flag, flattened. */
function commaList(values: string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Validate Kubernetes manifests against schemas, CRDs and the golden-path policy pack',
  usage: `Usage: golden-path validate [paths...] [--kubernetes-version 1.35] [--strict|--no-strict]
         [--crd PATH]... [--kustomize DIR]... [--allow-remote] [--policy golden-path|none|FILE]
         [--fail-on error|warning] [--output text|json|sarif|junit] [--summary]
         [--ignore-missing-schemas] [--skip KIND[,KIND]] [--schema-location TEMPLATE]...

Validates YAML/JSON manifests (files, directories, '-' for stdin, kustomize overlays) offline
against the Kubernetes 1.33-1.36 schemas and the CRDs given with --crd, then applies a policy
pack. Every finding names its file, line and column.

  --kubernetes-version   schema version (default ${defaultKubernetesVersion})
  --strict / --no-strict unknown fields and duplicate keys are errors (default strict)
  --crd PATH             CustomResourceDefinition file or directory (repeatable)
  --kustomize DIR        render an overlay and validate it (repeatable); remote resources,
                         components and Helm charts are refused unless --allow-remote
  --policy               golden-path (default), none, or a policy pack file
  --fail-on              lowest severity that fails: error (default) or warning
  --output               text (default), json, sarif or junit
  --summary              also print the one-line summary on stderr
  --ignore-missing-schemas  skip kinds with no schema instead of failing
  --skip KIND[,KIND]     kinds not validated
  --schema-location T    kubeconform-style template (file path or http(s) URL) for kinds the
                         bundle and CRDs lack, e.g. 'schemas/{{.ResourceKind}}{{.KindSuffix}}.json';
                         downloads are cached in ~/.cache/golden-path/schemas

Inputs of 2 MB or more are read on one thread per core; GOLDEN_PATH_THREADS=N caps the threads
(1 keeps one thread, for a machine whose other cores are busy).

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or I/O error.`,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      'validate',
      args,
      {
        'kubernetes-version': { type: 'string' },
        strict: { type: 'boolean' },
        'no-strict': { type: 'boolean' },
        crd: { type: 'string', multiple: true },
        kustomize: { type: 'string', multiple: true },
        'allow-remote': { type: 'boolean' },
        policy: { type: 'string' },
        'fail-on': { type: 'string' },
        output: { type: 'string' },
        summary: { type: 'boolean' },
        'ignore-missing-schemas': { type: 'boolean' },
        skip: { type: 'string', multiple: true },
        'schema-location': { type: 'string', multiple: true },
      },
      { positionals: true },
    )
    const version = stringFlag(values, 'kubernetes-version')
    const kubernetesVersion =
      version === undefined ? defaultKubernetesVersion : parseKubernetesVersion(version)
    const failOn = oneOf<Severity>(
      'fail-on',
      stringFlag(values, 'fail-on'),
      ['error', 'warning'],
      'error',
    )
    const output = oneOf(
      'output',
      stringFlag(values, 'output'),
      ['text', 'json', 'sarif', 'junit'],
      'text',
    )
    const kustomize = listFlag(values, 'kustomize')
    const paths = positionals.length === 0 && kustomize.length === 0 ? ['.'] : positionals
    const stdin = paths.includes('-') ? await readStdin(io.stdin) : undefined
    const report = await validateManifests(
      {
        paths,
        stdin,
        cwd: io.cwd,
        kubernetesVersion,
        strict: values['no-strict'] !== true,
        crds: listFlag(values, 'crd'),
        kustomize,
        allowRemote: values['allow-remote'] === true,
        policy: stringFlag(values, 'policy') ?? 'golden-path',
        failOn,
        ignoreMissingSchemas: values['ignore-missing-schemas'] === true,
        skip: commaList(listFlag(values, 'skip')),
        schemaLocations: listFlag(values, 'schema-location'),
        kubernetesRelease: version,
      },
      {
        logger: nullLogger,
        runner: spawnRunner,
        threads: io.entry && validationThreadsFrom(io.entry, io.env),
      },
    )
    const render = { text: renderText, json: renderJson, sarif: renderSarif, junit: renderJunit }[
      output
    ]
    io.stdout.write(render(report))
    if (values.summary === true && output !== 'text') {
      const { summary } = report
      io.stderr.write(
        `${summary.resources} resources: ${summary.valid} valid, ${summary.invalid} invalid, ${summary.errors} errors, ${summary.skipped} skipped\n`,
      )
    }
    if (report.inputErrors > 0) return ExitCode.Usage
    return report.passed ? ExitCode.Success : ExitCode.Failed
  },
}
