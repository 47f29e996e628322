import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateClusterPki } from '../../actions/lib/cluster/pki'
import { spawnRunner } from '../../actions/lib/ports'

describe('the local cluster PKI (openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-pki-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('signs a serving certificate for 127.0.0.1 and an admin client certificate in system:masters with one fresh CA', async () => {
    const pki = await generateClusterPki(join(dir, 'pki'), spawnRunner)
    const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' })
    expect(openssl('verify', '-CAfile', pki.caCert, pki.servingCert, pki.adminCert)).toContain(
      ': OK',
    )
    const serving = openssl('x509', '-in', pki.servingCert, '-noout', '-text')
    expect(serving).toMatch(/IP Address:127\.0\.0\.1/)
    expect(serving).toMatch(/TLS Web Server Authentication/)
    const admin = openssl('x509', '-in', pki.adminCert, '-noout', '-subject')
    expect(admin).toMatch(/O\s*=\s*system:masters/)
    // The service-account public key is the signing key's.
    expect(openssl('pkey', '-in', pki.serviceAccountKey, '-pubout')).toBe(
      openssl('pkey', '-pubin', '-in', pki.serviceAccountPub),
    )
  })
})
