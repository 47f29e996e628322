import { readFileSync } from 'node:fs'
import Ajv, { type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { afterEach, describe, expect, it } from 'vitest'
import { abortableSystemClock } from '../../actions/lib/argocd/abortable-clock'
import type { WatchMode } from '../../actions/lib/argocd/application-observer'
import { ArgoCdClient } from '../../actions/lib/argocd/client'
import { parseExpectedRevision } from '../../actions/lib/argocd/revision'
import { verifyArgoSync } from '../../actions/lib/argocd/verify-sync'
import { nullLogger } from '../../actions/lib/ports'
import {
  buildApplication,
  buildResourceTree,
  newRevision,
  oldRevision,
} from '../support/argocd-fixtures'
import {
  comparisonErrorFrames,
  degradedFrames,
  failedOperationFrames,
  multiSourceFrames,
  olderRevisionRefusedFrames,
  projectRefusedFrames,
  rolloutFrames,
  type Scenario,
  scenario,
  stuckAtOldFrames,
} from '../support/argocd-scenarios'
import { ArgoCdSimulator, type PayloadDefinition } from '../support/argocd-simulator'

type Schema = Record<string, unknown>
const swagger = JSON.parse(
  readFileSync(new URL('../../data/argocd/v3.6.2/swagger.json', import.meta.url), 'utf8'),
) as {
  definitions: Record<string, Schema>
  paths: Record<string, Record<string, { responses: Record<string, { schema: Schema }> }>>
}

/**
 * The swagger leaves every object open, so a misspelt field would pass. The
 * copy used here closes them: an object accepts only the properties its
 * definition (and the definitions it composes with allOf) declares.
 */
function closed(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map((item) => closed(item)) as unknown as Schema
  if (schema === null || typeof schema !== 'object') return schema
  const copy: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    copy[key] =
      key === 'properties' || key === 'definitions'
        ? mapValues(value as Record<string, Schema>)
        : closed(value as Schema)
  }
  if (Array.isArray(copy.allOf)) {
    const merged: Record<string, Schema> = {
      ...((copy.properties as Record<string, Schema>) ?? {}),
    }
    for (const part of copy.allOf as Schema[]) {
      const ref = part.$ref as string | undefined
      const target = ref ? swagger.definitions[ref.replace('#/definitions/', '')] : part
      Object.assign(merged, mapValues((target.properties as Record<string, Schema>) ?? {}))
    }
    copy.properties = merged
    delete copy.allOf
  }
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false
  return copy
}

function mapValues(record: Record<string, Schema>): Record<string, Schema> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, closed(value)]))
}

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addSchema({
  $id: 'argocd',
  definitions: closed({ definitions: swagger.definitions } as Schema).definitions,
})
const streamResponse = swagger.paths['/api/v1/stream/applications'].get.responses['200'].schema
const validators: Record<PayloadDefinition, ValidateFunction> = {
  v1alpha1Application: ajv.compile({ $ref: 'argocd#/definitions/v1alpha1Application' }),
  v1alpha1ApplicationTree: ajv.compile({ $ref: 'argocd#/definitions/v1alpha1ApplicationTree' }),
  runtimeError: ajv.compile({ $ref: 'argocd#/definitions/runtimeError' }),
  runtimeStreamError: ajv.compile({ $ref: 'argocd#/definitions/runtimeStreamError' }),
  // The stream's response schema as the spec gives it: {"result": v1alpha1ApplicationWatchEvent, "error": ...}.
  stream: ajv.compile(
    JSON.parse(
      JSON.stringify(closed(streamResponse)).replaceAll('"#/definitions/', '"argocd#/definitions/'),
    ),
  ),
}

function expectValid(definition: PayloadDefinition, payload: unknown): void {
  const validate = validators[definition]
  expect(validate(payload), `${definition}: ${ajv.errorsText(validate.errors)}`).toBe(true)
}

const scenarios: Scenario[] = [
  scenario('rollout', rolloutFrames(20)),
  scenario('manual', rolloutFrames(20, false).slice(1), { clockStartsOn: 'sync' }),
  scenario('degraded', degradedFrames(20)),
  scenario('failed', failedOperationFrames(20)),
  scenario('comparison', comparisonErrorFrames(20)),
  scenario('refused', projectRefusedFrames(20)),
  scenario('older-refused', olderRevisionRefusedFrames(20)),
  scenario('stuck', stuckAtOldFrames()),
  scenario('multi', multiSourceFrames(20, newRevision)),
  scenario('multi-partial', multiSourceFrames(20, oldRevision)),
  scenario('drops', rolloutFrames(20), { streamDrops: { afterEvents: 1, times: 2 } }),
  scenario('no-stream', rolloutFrames(20), { stream: 'unavailable' }),
  scenario('namespaced', rolloutFrames(20), { namespace: 'team-a' }),
  scenario('absent', rolloutFrames(20), { exists: false }),
  scenario('forbidden', rolloutFrames(20), { forbidden: true }),
  scenario('deleted', stuckAtOldFrames(), { deleteAfterMs: 50 }),
]

describe('the Argo CD simulator speaks the v3.6.2 API', () => {
  it('rejects a misspelt field, so that the checks below can fail', () => {
    expect(validators.v1alpha1Application({ status: { healthStatus: 'Healthy' } })).toBe(false)
    expect(validators.v1alpha1ApplicationTree({ nodes: [{ kind: 'Pod', heath: {} }] })).toBe(false)
    expect(validators.stream({ result: { type: 'ADDED', app: {} } })).toBe(false)
  })

  it.each(scenarios.map((scene) => [scene.name, scene] as const))(
    'every state of the %s timeline is a valid Application, ApplicationTree and stream message',
    (_name, scene) => {
      scene.frames.forEach((frame, index) => {
        const application = buildApplication(frame.moment, {
          namespace: scene.namespace,
          resourceVersion: 1000 + index,
          at: new Date(),
        })
        expectValid('v1alpha1Application', application)
        expectValid('v1alpha1ApplicationTree', buildResourceTree(frame.moment))
        expectValid('stream', { result: { type: index === 0 ? 'ADDED' : 'MODIFIED', application } })
      })
    },
  )

  describe('every payload served while verifying', () => {
    let simulator: ArgoCdSimulator | undefined
    afterEach(async () => {
      await simulator?.close()
      simulator = undefined
    })

    const runs = scenarios.flatMap((scene) =>
      (['ndjson', 'sse', 'poll'] as WatchMode[]).map(
        (watch) => [scene.name, watch, scene] as const,
      ),
    )
    it.each(runs)('%s followed by %s', async (_name, watch, scene) => {
      simulator = await ArgoCdSimulator.start({ scenario: scene, token: 'token' })
      const client = new ArgoCdClient({
        server: simulator.url,
        token: 'token',
        appNamespace: scene.namespace,
        requestTimeoutMs: 2_000,
        retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
        fetch: globalThis.fetch,
        clock: abortableSystemClock,
        logger: nullLogger,
      })
      await verifyArgoSync(
        {
          app: 'web',
          appNamespace: scene.namespace,
          revision: parseExpectedRevision(newRevision),
          images: [],
          sync: scene.clockStartsOn === 'sync',
          watch,
          timeoutMs: 400,
          pollIntervalMs: 20,
          degradedGraceMs: 50,
          requestTimeoutMs: 2_000,
        },
        { client, clock: abortableSystemClock, logger: nullLogger },
      )
      const kinds = new Set(simulator.served.map((served) => served.definition))
      if (scene.exists === false || scene.forbidden)
        expect(kinds).toEqual(new Set(['runtimeError']))
      else expect(kinds.has('v1alpha1Application')).toBe(true)
      if (
        watch !== 'poll' &&
        scene.stream !== 'unavailable' &&
        !scene.forbidden &&
        scene.exists !== false
      ) {
        expect(kinds.has('stream')).toBe(true)
      }
      for (const { definition, payload } of simulator.served) expectValid(definition, payload)
    })
  })
})
