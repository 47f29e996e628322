import { describe, expect, it } from 'vitest'
import { buildApplication, buildResourceTree } from '../support/argocd-fixtures'
import { rolloutFrames } from '../support/argocd-scenarios'
import { shapeDifferences, shapeOf } from '../support/payload-shape'

/** The simulator's healthy app at the new revision, as the conformance test compares it. */
const moment = rolloutFrames(1).at(-1)?.moment
if (!moment) throw new Error('no rollout frames')
const application = () =>
  buildApplication(moment, { resourceVersion: 7, at: new Date('2026-12-01T00:00:00Z') }) as {
    metadata: Record<string, unknown>
    status: { sync: Record<string, unknown> }
  }

describe('comparing payload shapes (simulator against Argo CD)', () => {
  it('finds no difference between two answers that differ only in values and list lengths', () => {
    const other = application()
    other.metadata.name = 'another'
    other.metadata.labels = { team: 'a', tier: 'web' }
    const tree = buildResourceTree({ ...moment, images: ['a', 'b', 'c'] })
    expect(shapeDifferences(shapeOf(application()), shapeOf(other), [])).toEqual([])
    expect(shapeDifferences(shapeOf(buildResourceTree(moment)), shapeOf(tree), [])).toEqual([])
  })

  it('names a field the simulator renamed, on both sides', () => {
    const renamed = application()
    renamed.status.sync.revison = renamed.status.sync.revision
    delete renamed.status.sync.revision
    expect(shapeDifferences(shapeOf(renamed), shapeOf(application()), [])).toEqual([
      'status.sync.revison (string): served by the simulator only',
      'status.sync.revision (string): served by Argo CD only',
    ])
  })

  it('names a field the simulator serves with another JSON type', () => {
    const retyped = application()
    retyped.metadata.resourceVersion = 7
    expect(shapeDifferences(shapeOf(retyped), shapeOf(application()), [])).toEqual([
      'metadata.resourceVersion: simulator number, Argo CD string',
    ])
  })

  it('names an object the simulator serves as a scalar', () => {
    const flattened = application()
    flattened.status.sync.comparedTo = 'main'
    expect(shapeDifferences(shapeOf(flattened), shapeOf(application()), [])).toContain(
      'status.sync.comparedTo: simulator string, Argo CD a container',
    )
  })

  it('leaves out only the allowed paths, and nothing that merely shares their prefix', () => {
    const labelled = application()
    labelled.metadata.labelsExtra = 'x'
    const plain = application()
    delete plain.metadata.labels
    expect(
      shapeDifferences(shapeOf(labelled), shapeOf(plain), [
        { path: 'metadata.labels', why: 'configuration' },
      ]),
    ).toEqual(['metadata.labelsExtra (string): served by the simulator only'])
  })
})
