import { randomBytes } from 'node:crypto'
import { rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { ExitCode, UsageError } from '../../../actions/lib/errors'
import { type Logger, systemClock } from '../../../actions/lib/ports'
import { type SloPeriod, supportedPeriods } from '../../../actions/lib/slo/alert-windows'
import {
  gateDefaults,
  gateResultJson,
  renderGateText,
  runSloGate,
} from '../../../actions/lib/slo/gate'
import { parseGateSettings, tokenMask } from '../../../actions/lib/slo/gate-settings'
import {
  PrometheusClient,
  PrometheusQueryError,
  PrometheusUnavailableError,
} from '../../../actions/lib/slo/prometheus-client'
import { ruleFormats } from '../../../actions/lib/slo/rule-formats'
import { loadSloSpec } from '../../../actions/lib/slo/spec-file'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { CliIO, Command } from '../command'

const usage = `Usage: golden-path slo rules --spec FILE [--format prometheus-rule|rules] [--output-file F]
         [--period 30d|28d] [--name NAME] [--namespace NS]
       golden-path slo gate --prometheus URL --spec FILE [--slo NAME] [--window DURATION]
         [--max-burn-rate X] [--min-budget-remaining R] [--bake DURATION] [--allow-no-data]
         [--token T] [--period 30d|28d] [--interval DURATION] [--request-timeout SECONDS]
         [--output text|json]

SLOs as code, in sloth's prometheus/v1 spec format.

rules: writes the recording rules and multi-window multi-burn-rate alerts sloth
v0.16.0 generates for the spec (same record names, sloth_* labels and PromQL).
  --spec FILE          the sloth prometheus/v1 spec
  --format             prometheus-rule (default): a monitoring.coreos.com/v1 PrometheusRule;
                       rules: a plain Prometheus rule file (groups:)
  --output-file F      write there (atomically) instead of stdout
  --period             SLO period the budget is counted over (default 30d)
  --name NAME          PrometheusRule metadata.name (default <service>-slo)
  --namespace NS       PrometheusRule metadata.namespace (default: none, kustomize sets it)

gate: decides from Prometheus whether the SLOs are within their error budget.
  --prometheus URL     Prometheus base URL (queries GET /api/v1/query)
  --slo NAME           only this SLO (default: every SLO of the spec)
  --window DURATION    window the burn rate is measured over (default ${gateDefaults.window})
  --max-burn-rate X    highest burn rate allowed: error ratio / (1 - objective/100) (default ${gateDefaults.maxBurnRate})
  --min-budget-remaining R  also require this share (0-1) of the period's budget left
  --bake DURATION      keep watching this long, failing as soon as a limit is crossed
  --interval DURATION  time between evaluations while baking (default 30s)
  --allow-no-data      pass an SLO Prometheus has no samples for (default: fail)
  --token T            bearer token (default $PROMETHEUS_TOKEN); never printed
  --request-timeout S  seconds each query may take (default 10)
  --output text|json   json: {"ok","window","maxBurnRate","evaluations","slos":[{"name",
                       "objective","window","errorRatio","burnRate","budgetRemaining"?,"ok","reason"?}]}

Exit codes: 0 rules written / every SLO within limits; 1 an SLO over its limit or
without data; 2 usage error, malformed spec or Prometheus unreachable.`

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.golden-path-${randomBytes(4).toString('hex')}`,
  )
  try {
    await writeFile(temporary, text, { flag: 'wx' })
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot write --output-file ${path} (${code ?? (error as Error).message})`)
  }
}

async function rules(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags('slo rules', args, {
    spec: { type: 'string' },
    format: { type: 'string' },
    'output-file': { type: 'string' },
    period: { type: 'string' },
    name: { type: 'string' },
    namespace: { type: 'string' },
  })
  const specPath = stringFlag(values, 'spec')
  if (specPath === undefined)
    throw new UsageError('missing --spec FILE: the sloth prometheus/v1 spec')
  const format = oneOf('format', stringFlag(values, 'format'), ruleFormats, 'prometheus-rule')
  const period = oneOf('period', stringFlag(values, 'period'), supportedPeriods, '30d') as SloPeriod
  const { spec, file } = loadSloSpec(specPath, io.cwd)
  // Loaded here: the YAML writer is only needed for rules, not for every gate decision.
  const { renderRuleFile } = await import('../../../actions/lib/slo/rule-file')
  const { generateRuleGroups } = await import('../../../actions/lib/slo/rules')
  const text = renderRuleFile(generateRuleGroups(spec, { period }), {
    format,
    specFile: file,
    name: stringFlag(values, 'name') ?? `${spec.service}-slo`,
    namespace: stringFlag(values, 'namespace'),
  })
  const output = stringFlag(values, 'output-file')
  if (output === undefined) io.stdout.write(text)
  else await writeAtomically(isAbsolute(output) ? output : resolve(io.cwd, output), text)
  return ExitCode.Success
}

async function gate(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags('slo gate', args, {
    prometheus: { type: 'string' },
    spec: { type: 'string' },
    slo: { type: 'string' },
    window: { type: 'string' },
    'max-burn-rate': { type: 'string' },
    'min-budget-remaining': { type: 'string' },
    bake: { type: 'string' },
    interval: { type: 'string' },
    'allow-no-data': { type: 'boolean' },
    token: { type: 'string' },
    period: { type: 'string' },
    'request-timeout': { type: 'string' },
    output: { type: 'string' },
  })
  const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
  const text = (name: string) => stringFlag(values, name)
  const settings = parseGateSettings(
    {
      prometheus: text('prometheus'),
      spec: text('spec'),
      slo: text('slo'),
      window: text('window'),
      'max-burn-rate': text('max-burn-rate'),
      'min-budget-remaining': text('min-budget-remaining'),
      bake: text('bake'),
      interval: text('interval'),
      'allow-no-data': values['allow-no-data'] === true,
      token: text('token'),
      period: text('period'),
      'request-timeout': text('request-timeout'),
    },
    (name) => `--${name}`,
    io.cwd,
    io.env.PROMETHEUS_TOKEN,
  )
  const mask = tokenMask(settings.token)
  const log = (level: string) => (message: string) => {
    io.stderr.write(`golden-path slo gate: ${level}${mask(message)}\n`)
  }
  const logger: Logger = {
    debug() {},
    info: log(''),
    warning: log('warning: '),
    error: log('error: '),
  }
  const prometheus = new PrometheusClient(settings.target, {
    requestTimeoutMs: settings.requestTimeoutMs,
  })
  let result: Awaited<ReturnType<typeof runSloGate>>
  try {
    result = await runSloGate(settings.gate, { prometheus, clock: systemClock, logger })
  } catch (error) {
    if (error instanceof PrometheusUnavailableError || error instanceof PrometheusQueryError) {
      throw new UsageError(mask(error.message))
    }
    throw error
  }
  io.stdout.write(output === 'json' ? gateResultJson(result) : renderGateText(result))
  return result.ok ? ExitCode.Success : ExitCode.Failed
}

export const sloCommand: Command = {
  name: 'slo',
  summary: 'Generate sloth-compatible SLO rules, and gate on the error budget in Prometheus',
  usage,
  async run(args, io) {
    const [subcommand, ...rest] = args
    if (subcommand === 'rules') return rules(rest, io)
    if (subcommand === 'gate') return gate(rest, io)
    throw new UsageError(
      subcommand === undefined
        ? "missing subcommand: 'golden-path slo rules' or 'golden-path slo gate' (run 'golden-path slo --help')"
        : `unknown subcommand '${subcommand}': expected rules or gate (run 'golden-path slo --help')`,
    )
  },
}
