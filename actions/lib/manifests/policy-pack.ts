import { readFileSync } from 'node:fs'
import { CORE_SCHEMA, load } from 'js-yaml'
import { oneLine, UsageError } from '../errors'
import goldenPathPack from './policies/golden-path.json'
import type { Severity } from './report'

/**
 * A condition on a resource, written as data. `path` is a JSON pointer relative to the rule's
 * target (`from` picks the pod spec or the whole object instead); a `*` segment means every
 * element of an array.
 */
export type PolicyCondition =
  | { all: PolicyCondition[] }
  | { any: PolicyCondition[] }
  | { not: PolicyCondition }
  | { podDisruptionBudget: true }
  | PathCondition

export interface PathCondition {
  path: string
  from?: 'target' | 'pod' | 'object'
  equals?: unknown
  notEquals?: unknown
  exists?: boolean
  oneOf?: unknown[]
  notOneOf?: unknown[]
  matches?: string
  notMatches?: string
  minimum?: number
  contains?: unknown
}

export type PolicyTarget = 'object' | 'pod' | 'containers' | 'allContainers'

export interface PolicyRule {
  id: string
  severity: Severity
  message: string
  target: PolicyTarget
  /** Kinds the rule applies to; by default every kind that has the target. */
  kinds?: string[]
  enabled?: boolean
  when?: PolicyCondition
  require: PolicyCondition
}

export interface PolicyPack {
  name: string
  rules: PolicyRule[]
}

/** The file format: a pack of rules, optionally extending the built-in one. */
interface PolicyPackDocument {
  name?: string
  extends?: string
  disable?: string[]
  enable?: string[]
  severity?: Record<string, Severity>
  rules?: PolicyRule[]
}

const builtInPacks: Record<string, PolicyPackDocument> = {
  'golden-path': goldenPathPack as PolicyPackDocument,
}

const severities: readonly Severity[] = ['error', 'warning', 'note']
const targets: readonly PolicyTarget[] = ['object', 'pod', 'containers', 'allContainers']
const operators = [
  'equals',
  'notEquals',
  'exists',
  'oneOf',
  'notOneOf',
  'matches',
  'notMatches',
  'minimum',
  'contains',
]

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function checkCondition(condition: unknown, where: string): void {
  if (!isRecord(condition)) throw new UsageError(`${where}: a condition must be a mapping`)
  if ('all' in condition || 'any' in condition) {
    const list = condition.all ?? condition.any
    if (!Array.isArray(list)) throw new UsageError(`${where}: 'all'/'any' must be a list`)
    for (const [index, item] of list.entries()) checkCondition(item, `${where}[${index}]`)
    return
  }
  if ('not' in condition) {
    checkCondition(condition.not, `${where}.not`)
    return
  }
  if ('podDisruptionBudget' in condition) return
  if (
    typeof condition.path !== 'string' ||
    !(condition.path === '' || condition.path.startsWith('/'))
  ) {
    throw new UsageError(
      `${where}: 'path' must be a JSON pointer such as /securityContext/runAsNonRoot`,
    )
  }
  if (
    condition.from !== undefined &&
    !['target', 'pod', 'object'].includes(String(condition.from))
  ) {
    throw new UsageError(`${where}: 'from' must be one of target, pod, object`)
  }
  if (!operators.some((operator) => operator in condition)) {
    throw new UsageError(`${where}: needs one of ${operators.join(', ')}`)
  }
  for (const key of ['matches', 'notMatches'] as const) {
    if (key in condition) {
      try {
        new RegExp(String(condition[key]))
      } catch (error) {
        throw new UsageError(`${where}: invalid '${key}' pattern: ${oneLine(error)}`)
      }
    }
  }
}

function checkRule(rule: unknown, where: string): PolicyRule {
  if (!isRecord(rule)) throw new UsageError(`${where}: a rule must be a mapping`)
  if (typeof rule.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(rule.id)) {
    throw new UsageError(`${where}: 'id' must be lowercase letters, digits and dashes`)
  }
  const at = `${where} (${rule.id})`
  if (!severities.includes(rule.severity as Severity)) {
    throw new UsageError(`${at}: 'severity' must be one of ${severities.join(', ')}`)
  }
  if (!targets.includes(rule.target as PolicyTarget)) {
    throw new UsageError(`${at}: 'target' must be one of ${targets.join(', ')}`)
  }
  if (typeof rule.message !== 'string') throw new UsageError(`${at}: 'message' is required`)
  if (rule.kinds !== undefined && !Array.isArray(rule.kinds)) {
    throw new UsageError(`${at}: 'kinds' must be a list`)
  }
  if (rule.when !== undefined) checkCondition(rule.when, `${at}.when`)
  checkCondition(rule.require, `${at}.require`)
  return rule as unknown as PolicyRule
}

/** Builds a pack from its document, resolving `extends` against the built-in packs. */
export function policyPackFrom(document: unknown, source: string): PolicyPack {
  const pack = resolvePack(document, source)
  return { name: pack.name, rules: pack.rules.filter((rule) => rule.enabled !== false) }
}

/** Every rule of a pack and its bases, each with whether it is enabled. */
function resolvePack(document: unknown, source: string): PolicyPack {
  if (!isRecord(document)) throw new UsageError(`${source}: a policy pack must be a mapping`)
  const pack = document as PolicyPackDocument
  let rules: PolicyRule[] = []
  if (pack.extends !== undefined) {
    const base = builtInPacks[pack.extends]
    if (!base) {
      throw new UsageError(
        `${source}: unknown 'extends: ${pack.extends}' (built-in packs: ${Object.keys(builtInPacks).join(', ')})`,
      )
    }
    rules = resolvePack(base, pack.extends).rules.map((rule) => ({ ...rule }))
  }
  ;(pack.rules ?? []).forEach((rule, index) => {
    const checked = checkRule(rule, `${source}: rules[${index}]`)
    rules = rules.filter((existing) => existing.id !== checked.id)
    rules.push(checked)
  })
  const known = new Set(rules.map((rule) => rule.id))
  const named = (list: unknown, key: string): string[] => {
    if (list === undefined) return []
    if (!Array.isArray(list)) throw new UsageError(`${source}: '${key}' must be a list of rule ids`)
    for (const id of list) {
      if (!known.has(String(id)))
        throw new UsageError(`${source}: '${key}' names unknown rule '${id}'`)
    }
    return list.map(String)
  }
  const disabled = new Set(named(pack.disable, 'disable'))
  const enabled = new Set(named(pack.enable, 'enable'))
  const severity = pack.severity ?? {}
  named(Object.keys(severity), 'severity')
  for (const [id, level] of Object.entries(severity)) {
    if (!severities.includes(level)) {
      throw new UsageError(`${source}: severity of '${id}' must be one of ${severities.join(', ')}`)
    }
  }
  const resolved = rules.map((rule) => ({
    ...rule,
    enabled: (enabled.has(rule.id) || rule.enabled !== false) && !disabled.has(rule.id),
    severity: severity[rule.id] ?? rule.severity,
  }))
  return { name: pack.name ?? source, rules: resolved }
}

/** `--policy golden-path|none|FILE`: a built-in pack, no policy, or a YAML/JSON pack file. */
export function loadPolicyPack(policy: string, cwd: string): PolicyPack | undefined {
  if (policy === 'none') return undefined
  const builtIn = builtInPacks[policy]
  if (builtIn) return policyPackFrom(builtIn, policy)
  let text: string
  try {
    text = readFileSync(policy.startsWith('/') ? policy : `${cwd}/${policy}`, 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read --policy '${policy}' (expected golden-path, none or a policy file): ${oneLine((error as Error).message)}`,
    )
  }
  let document: unknown
  try {
    document = load(text, { schema: CORE_SCHEMA })
  } catch (error) {
    throw new UsageError(`policy file '${policy}' is not valid YAML/JSON: ${oneLine(error)}`)
  }
  return policyPackFrom(document, policy)
}
