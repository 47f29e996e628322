import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import {
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliveryTrigger,
  recordApiVersion,
  recordKind,
} from '../../actions/lib/records/delivery-record'

const schemaPath = join(import.meta.dirname, '..', '..', 'docs', 'delivery-record.schema.json')
const validator = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(schemaPath, 'utf8')),
)

/** Fails with every schema violation when `record` is not a valid DeliveryRecord. */
export function expectValidRecord(record: unknown): asserts record is DeliveryRecord {
  if (!validator(record)) {
    throw new Error(
      `record does not match docs/delivery-record.schema.json: ${JSON.stringify(validator.errors)}\n${JSON.stringify(record)}`,
    )
  }
}

export const hex40 = (n: number) => n.toString(16).padStart(40, '0')
export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`

export interface RecordSketch {
  n: number
  environment?: string
  trigger?: DeliveryTrigger
  outcome?: DeliveryOutcome
  committedAt?: string
  startedAt: string
  finishedAt?: string
  healthyAt?: string
}

/** A record for hand-computed histories: only the times and the outcome matter. */
export function sketchRecord(sketch: RecordSketch): DeliveryRecord {
  const outcome = sketch.outcome ?? 'healthy'
  const record: DeliveryRecord = {
    apiVersion: recordApiVersion,
    kind: recordKind,
    environment: sketch.environment ?? 'prod',
    app: 'payments',
    trigger: sketch.trigger ?? 'delivery',
    source: {
      repository: 'https://github.com/acme/payments',
      commit: hex40(1000 + sketch.n),
      committedAt: sketch.committedAt ?? sketch.startedAt,
    },
    image: { name: 'ghcr.io/acme/payments', digest: digestOf(sketch.n) },
    gitops: {
      repository: 'https://github.com/acme/gitops',
      path: 'overlays/prod',
      commit: hex40(sketch.n),
    },
    startedAt: sketch.startedAt,
    finishedAt: sketch.finishedAt ?? sketch.healthyAt ?? sketch.startedAt,
    outcome,
  }
  if (outcome === 'healthy') record.healthyAt = sketch.healthyAt ?? record.finishedAt
  else record.failure = { step: 'verify', message: 'Degraded' }
  if (outcome === 'rolled-back')
    record.rollback = { commit: hex40(9000 + sketch.n), restoredDigest: digestOf(1) }
  return record
}
