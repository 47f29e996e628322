import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { credentialsFromEnv } from '../../actions/lib/supply-chain/registry-client'

const dir = mkdtempSync(join(tmpdir(), 'golden-path-docker-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const auth = (user: string, password: string) =>
  Buffer.from(`${user}:${password}`).toString('base64')

describe('registry credentials for signing and verification', () => {
  it('takes REGISTRY_USERNAME and REGISTRY_PASSWORD first', () => {
    expect(
      credentialsFromEnv({ REGISTRY_USERNAME: 'ci', REGISTRY_PASSWORD: 'secret' }, 'ghcr.io'),
    ).toEqual({ username: 'ci', password: 'secret' })
  })

  it('reads the login docker login left for that host, and only that host', () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { 'ghcr.io': { auth: auth('octo', 'p:a:ss') } } }),
    )
    expect(credentialsFromEnv({ DOCKER_CONFIG: dir }, 'ghcr.io')).toEqual({
      username: 'octo',
      password: 'p:a:ss',
    })
    expect(credentialsFromEnv({ DOCKER_CONFIG: dir }, 'quay.io')).toBeUndefined()
  })

  it('reads REGISTRY_AUTH_FILE (podman, skopeo) and Docker Hub under its index name', () => {
    const file = join(dir, 'auth.json')
    writeFileSync(
      file,
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: auth('hub', 'tok') } } }),
    )
    expect(
      credentialsFromEnv(
        { REGISTRY_AUTH_FILE: file, DOCKER_CONFIG: join(dir, 'none') },
        'registry-1.docker.io',
      ),
    ).toEqual({ username: 'hub', password: 'tok' })
  })

  it('has none when nothing is configured or the file is not JSON', () => {
    writeFileSync(join(dir, 'broken.json'), '{')
    expect(
      credentialsFromEnv(
        { REGISTRY_AUTH_FILE: join(dir, 'broken.json'), DOCKER_CONFIG: join(dir, 'none') },
        'ghcr.io',
      ),
    ).toBeUndefined()
  })
})
