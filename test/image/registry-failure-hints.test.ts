import { describe, expect, it } from 'vitest'
import { startLoopbackRegistry } from '../../actions/lib/delivery/loopback-registry'
import { blockedPortMessage, fetchRefusesPort } from '../../actions/lib/fetch-failure'
import type { LayoutImage } from '../../actions/lib/oci/oci-layout'
import { systemClock } from '../../actions/lib/ports'
import { explainRegistryFailure } from '../../actions/lib/registry/push-image'
import { checkLabels } from '../../actions/lib/scan/hardening-checks'

describe('errors with a known fix say it', () => {
  it('tells a plain-HTTP registry to use --tls-verify false', () => {
    expect(
      explainRegistryFailure(
        'Error: trying to reuse blob: pinging container registry 127.0.0.1:5000: Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client',
      ),
    ).toMatch(
      /\(the registry speaks plain HTTP: pass --tls-verify false, tls-verify: false in the action\)$/,
    )
  })

  it('leaves other failures as they are', () => {
    expect(explainRegistryFailure('denied: permission_denied')).toBe('denied: permission_denied')
  })

  it("explains undici's 'bad port' for a port fetch refuses, found without connecting", async () => {
    expect(await fetchRefusesPort('http://127.0.0.1:6000/v2/')).toBe(true)
    expect(await fetchRefusesPort('http://127.0.0.1:1/v2/')).toBe(true)
    expect(blockedPortMessage('http://127.0.0.1:6000')).toBe(
      `port 6000 is one Node's fetch refuses to connect to (undici's "bad port": the Fetch standard blocks it); use another port, e.g. 8080, 5050 or 443`,
    )
  })

  it('does not call an ordinary closed port blocked', async () => {
    expect(await fetchRefusesPort('http://127.0.0.1:5099/v2/')).toBe(false)
  })

  it('refuses a loopback registry on a blocked port before starting anything', async () => {
    await expect(
      startLoopbackRegistry({
        address: '127.0.0.1:6000',
        storageDir: '/nonexistent',
        clock: systemClock,
      }),
    ).rejects.toThrow(
      `registry address '127.0.0.1:6000': port 6000 is one Node's fetch refuses to connect to`,
    )
  })

  it('names how to set a missing org.opencontainers.image.source label', () => {
    const image = { config: { config: { Labels: { 'org.opencontainers.image.revision': 'abc' } } } }
    const check = checkLabels(image as unknown as LayoutImage, [
      'org.opencontainers.image.source',
      'org.opencontainers.image.revision',
    ])
    expect(check.details).toEqual([
      'missing label org.opencontainers.image.source (build takes it from the git remote origin or GITHUB_REPOSITORY: add a remote, set GITHUB_REPOSITORY=owner/repo, or pass --label org.opencontainers.image.source=URL)',
    ])
  })
})
