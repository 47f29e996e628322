import { afterEach, describe, expect, it } from 'vitest'
import { verifyStep } from '../../actions/lib/delivery/verify-step'
import { nullLogger } from '../../actions/lib/ports'
import { appName, newImage, newRevision } from '../support/argocd-fixtures'
import { degradedFrames, rolloutFrames, scenario } from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'

const token = 'golden-path-test-token'
let simulator: ArgoCdSimulator | undefined

afterEach(async () => {
  await simulator?.close()
  simulator = undefined
})

function state() {
  return {
    image: 'ghcr.io/example-org/golden-path-reference-service',
    gitopsCommit: newRevision,
    imageRef: newImage,
  }
}

describe('deliver --local verify step (against the Argo CD API simulator)', () => {
  it('passes when Argo CD reports the bump commit Synced and Healthy, and records the revision', async () => {
    simulator = await ArgoCdSimulator.start({
      scenario: scenario('rollout', rolloutFrames(50)),
      token,
    })
    const step = verifyStep(
      { server: simulator.url, app: appName, token, insecure: false, timeoutSeconds: '20' },
      {},
      { logger: nullLogger },
    )
    const current = state()
    const outcome = await step.run(current)
    expect(outcome).toMatchObject({ status: 'passed' })
    expect(outcome.detail).toMatch(new RegExp(`^${appName}: verified`))
    expect(current).toMatchObject({ syncedRevision: newRevision })
    // A normal refresh is asked for, so Argo CD reads the new commit at once.
    expect(simulator.requests.some((request) => request.query.refresh === 'normal')).toBe(true)
  })

  it('fails with the reason when the app degrades at the bump commit', async () => {
    simulator = await ArgoCdSimulator.start({
      scenario: scenario('degraded', degradedFrames(50)),
      token,
    })
    const step = verifyStep(
      { server: simulator.url, app: appName, token, insecure: false, timeoutSeconds: '20' },
      {},
      { logger: nullLogger },
    )
    const outcome = await step.run(state())
    expect(outcome.status).toBe('failed')
    expect(outcome.detail).toMatch(new RegExp(`^${appName}: degraded`))
  })

  it.each([
    [
      'no app',
      { server: 'https://argocd.example.com', token, insecure: false },
      'missing --argocd-app',
    ],
    [
      'no token anywhere',
      { server: 'https://argocd.example.com', app: 'web', insecure: false },
      'missing --argocd-token',
    ],
    [
      'a malformed server',
      { server: 'not a url', app: 'web', token, insecure: false },
      '--argocd-server',
    ],
  ])('refuses %s before anything is built', (_case, target, message) => {
    expect(() => verifyStep(target, {}, { logger: nullLogger })).toThrow(message)
  })

  it('takes the token from ARGOCD_AUTH_TOKEN', () => {
    expect(() =>
      verifyStep(
        { server: 'https://argocd.example.com', app: 'web', insecure: false },
        { ARGOCD_AUTH_TOKEN: token },
        { logger: nullLogger },
      ),
    ).not.toThrow()
  })
})
