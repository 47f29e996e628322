import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import {
  authFileLocations,
  resolveRegistryCredential,
  writeAuthFile,
} from '../../actions/lib/registry/credentials'

let home: string
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'golden-path-lookup-'))
})
afterEach(() => rmSync(home, { recursive: true, force: true }))

function dockerConfig(content: unknown): void {
  mkdirSync(join(home, '.docker'), { recursive: true })
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(content))
}

const lookup = (env: NodeJS.ProcessEnv = {}) => ({
  env: { PATH: process.env.PATH, HOME: home, ...env },
  runner: spawnRunner,
  logger: nullLogger,
})
const basic = (user: string, secret: string) => Buffer.from(`${user}:${secret}`).toString('base64')

describe('where registry credentials are looked up', () => {
  it('lists the auth files in the order container tools read them', () => {
    expect(
      authFileLocations(
        {
          REGISTRY_AUTH_FILE: '/a/auth.json',
          XDG_RUNTIME_DIR: '/run/user/1000',
          DOCKER_CONFIG: '/d',
        },
        '/home/u',
      ).map((location) => location.path),
    ).toEqual([
      '/a/auth.json',
      '/run/user/1000/containers/auth.json',
      '/d/config.json',
      '/home/u/.docker/config.json',
    ])
  })

  it.each([
    [
      'docker login to Docker Hub (legacy v1 key)',
      { auths: { 'https://index.docker.io/v1/': { auth: basic('hubuser', 'hubpass') } } },
      'example/app',
      { username: 'hubuser', password: 'hubpass' },
    ],
    [
      'an identity token (az acr login, docker login with OAuth)',
      { auths: { 'example.azurecr.io': { identitytoken: 'refresh-token-value' } } },
      'example.azurecr.io/payments',
      { identityToken: 'refresh-token-value' },
    ],
    [
      'a namespace entry over the host entry (containers-auth.json)',
      {
        auths: {
          'quay.io': { auth: basic('host', 'h') },
          'quay.io/team': { auth: basic('team', 't') },
        },
      },
      'quay.io/team/app',
      { username: 'team', password: 't' },
    ],
    [
      'a host entry when the namespace differs',
      {
        auths: {
          'quay.io': { auth: basic('host', 'h') },
          'quay.io/other': { auth: basic('team', 't') },
        },
      },
      'quay.io/team/app',
      { username: 'host', password: 'h' },
    ],
  ])('finds %s', async (_name, config, repository, expected) => {
    dockerConfig(config)
    expect(await resolveRegistryCredential(repository, lookup())).toMatchObject(expected)
  })

  it('finds nothing for a registry without an entry, so an open registry needs no login', async () => {
    dockerConfig({ auths: { 'ghcr.io': { auth: basic('a', 'b') } } })
    expect(await resolveRegistryCredential('registry.example.org/app', lookup())).toBeUndefined()
  })

  it('refuses an auth entry that is not base64 of user:password, naming the file but not the value', async () => {
    dockerConfig({
      auths: { 'ghcr.io': { auth: Buffer.from('no-colon-secret').toString('base64') } },
    })
    const error = await resolveRegistryCredential('ghcr.io/a/b', lookup()).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /~\/\.docker\/config\.json \(ghcr\.io\): the 'auth' value/,
    )
    expect((error as Error).message).not.toContain('no-colon-secret')
  })

  it('takes REGISTRY_USERNAME and REGISTRY_PASSWORD over an auth file, and wants both', async () => {
    dockerConfig({ auths: { 'ghcr.io': { auth: basic('octo', 'from-file') } } })
    expect(
      await resolveRegistryCredential(
        'ghcr.io/org/app',
        lookup({ REGISTRY_USERNAME: 'ci', REGISTRY_PASSWORD: 'p:a:ss' }),
      ),
    ).toEqual({ username: 'ci', password: 'p:a:ss', source: 'REGISTRY_USERNAME/REGISTRY_PASSWORD' })
    const half = await resolveRegistryCredential(
      'ghcr.io/org/app',
      lookup({ REGISTRY_USERNAME: 'ci' }),
    ).catch((error: unknown) => error)
    expect((half as Error).message).toBe(
      'set both REGISTRY_USERNAME and REGISTRY_PASSWORD, or neither',
    )
    // Empty values count as unset, as a workflow's `env:` with a missing secret gives them.
    expect(
      await resolveRegistryCredential(
        'ghcr.io/org/app',
        lookup({ REGISTRY_USERNAME: '', REGISTRY_PASSWORD: '' }),
      ),
    ).toMatchObject({ username: 'octo', password: 'from-file' })
  })

  it('reads REGISTRY_AUTH_FILE (podman, skopeo) before the docker config', async () => {
    dockerConfig({ auths: { 'ghcr.io': { auth: basic('docker', 'd') } } })
    const file = join(home, 'auth.json')
    writeFileSync(file, JSON.stringify({ auths: { 'ghcr.io': { auth: basic('podman', 'p') } } }))
    expect(
      await resolveRegistryCredential('ghcr.io/org/app', lookup({ REGISTRY_AUTH_FILE: file })),
    ).toMatchObject({ username: 'podman', password: 'p', source: 'REGISTRY_AUTH_FILE (ghcr.io)' })
  })

  it('refuses an auth file that is not JSON, naming the file', async () => {
    mkdirSync(join(home, '.docker'), { recursive: true })
    writeFileSync(join(home, '.docker', 'config.json'), '{')
    await expect(resolveRegistryCredential('ghcr.io/org/app', lookup())).rejects.toThrow(
      /~\/\.docker\/config\.json .* is not valid JSON; fix it or log in again/,
    )
  })

  it('writes the credential for skopeo as a private containers auth.json', async () => {
    const path = join(home, 'auth.json')
    await writeAuthFile(path, 'example.azurecr.io', { identityToken: 'tok', source: 'x' })
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      auths: { 'example.azurecr.io': { identitytoken: 'tok' } },
    })
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })
})
