import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { freeLoopbackPort } from '../support/free-port'
import { requireTools } from '../support/required-tools'
import {
  attestArgs,
  type KeyPairFiles,
  pushUniqueImage,
  verifyImageArgs,
  writeKeyPair,
} from '../support/signing-fixtures'

// docker-registry with htpasswd (Basic) auth on loopback, no TLS: signatures are written and
// read with the credentials given, and the password never reaches the output.
const password = `registry-pw-${process.pid}`
let dir: string
let host: string
let registry: ChildProcess
let keys: KeyPairFiles
const cwd = process.cwd()

beforeAll(async () => {
  requireTools({ command: 'htpasswd', install: 'apt-get install -y apache2-utils' })
  dir = mkdtempSync(join(tmpdir(), 'golden-path-auth-registry-'))
  keys = writeKeyPair()
  execFileSync('htpasswd', ['-Bbc', join(dir, 'htpasswd'), 'ci', password], { stdio: 'ignore' })
  const port = await freeLoopbackPort()
  host = `127.0.0.1:${port}`
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      '    realm: golden-path-test',
      `    path: ${join(dir, 'htpasswd')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  )
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' })
  for (let attempt = 0; attempt < 150; attempt++) {
    const status = await fetch(`http://${host}/v2/`).then(
      (response) => response.status,
      () => 0,
    )
    if (status === 401) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  mkdirSync(join(dir, 'docker'))
  writeFileSync(
    join(dir, 'docker', 'config.json'),
    JSON.stringify({
      auths: { [host]: { auth: Buffer.from(`ci:${password}`).toString('base64') } },
    }),
  )
})

afterAll(async () => {
  if (registry && registry.exitCode === null) {
    const exited = new Promise((resolve) => registry.once('exit', resolve))
    registry.kill('SIGTERM')
    await exited
  }
  for (const path of [dir, keys?.dir]) if (path) rmSync(path, { recursive: true, force: true })
})

/**
 * A docker-credential-helpers program on a PATH of its own (`get`, the server on stdin, JSON
 * {ServerURL, Username, Secret} on stdout) and a docker config naming it; returns the
 * environment a command runs with.
 */
function withCredentialHelper(
  name: string,
  script: string,
  config: Record<string, unknown>,
): NodeJS.ProcessEnv {
  const bin = join(dir, `${name}-bin`)
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}`)
  chmodSync(join(bin, `docker-credential-${name}`), 0o755)
  const dockerConfig = join(dir, `${name}-docker`)
  mkdirSync(dockerConfig, { recursive: true })
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify(config))
  return { PATH: `${bin}${delimiter}${process.env.PATH}`, HOME: dir, DOCKER_CONFIG: dockerConfig }
}

describe('a registry that requires credentials (htpasswd, Basic auth)', () => {
  it('signs and verifies with REGISTRY_USERNAME/PASSWORD, and with the docker login in DOCKER_CONFIG', async () => {
    const image = pushUniqueImage(
      host,
      'auth/payments',
      {},
      { ...process.env, DOCKER_CONFIG: join(dir, 'docker') },
    )
    const env = { PATH: process.env.PATH, REGISTRY_USERNAME: 'ci', REGISTRY_PASSWORD: password }
    const signed = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      env,
    )
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    const verified = await runCli(
      ['verify-image', '--image', image, '--key', keys.publicKey, '--tls-verify', 'false'],
      cwd,
      { PATH: process.env.PATH, DOCKER_CONFIG: join(dir, 'docker') },
    )
    expect(verified.code).toBe(0)
    expect(verified.stdout + verified.stderr).not.toContain(password)
  })

  it('signs, attests and verifies with the login a docker credential helper holds, as push does', async () => {
    const image = pushUniqueImage(
      host,
      'auth/helper',
      {},
      { ...process.env, DOCKER_CONFIG: join(dir, 'docker') },
    )
    const asked = join(dir, 'helper-asked')
    const env = withCredentialHelper(
      'gptest',
      `[ "$1" = get ] || exit 2
read -r server
echo "$server" >> '${asked}'
if [ "$server" = "${host}" ]; then
  printf '{"ServerURL":"%s","Username":"ci","Secret":"${password}"}\\n' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
`,
      { credHelpers: { [host]: 'gptest' } },
    )
    const signed = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      env,
    )
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    const attested = await runCli(attestArgs(image, keys.privateKey, ['slsaprovenance1']), cwd, env)
    expect(attested.stderr).toBe('')
    expect(attested.code).toBe(0)
    const verified = await runCli(
      verifyImageArgs(image, keys.publicKey, ['slsaprovenance1'], ['--output', 'json']),
      cwd,
      env,
    )
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ verified: true, foundVia: 'fallback-tag' })
    for (const run of [signed, attested, verified]) {
      expect(run.stdout + run.stderr).not.toContain(password)
    }
    // The helper was asked for exactly this registry, once per command.
    expect(readFileSync(asked, 'utf8').trim().split('\n')).toEqual([host, host, host])
  })

  it('names the helper when the registry refuses what it gave, without printing the secret', async () => {
    const image = pushUniqueImage(
      host,
      'auth/helper-refused',
      {},
      { ...process.env, DOCKER_CONFIG: join(dir, 'docker') },
    )
    const env = withCredentialHelper(
      'stale',
      `read -r server
printf '{"ServerURL":"%s","Username":"ci","Secret":"stale-secret-${process.pid}"}\\n' "$server"
`,
      { credsStore: 'stale' },
    )
    const refused = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      env,
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(
      /refused the credentials from credential helper docker-credential-stale \(HTTP 401\)/,
    )
    expect(refused.stdout + refused.stderr).not.toContain(`stale-secret-${process.pid}`)
  })

  it('says credentials are needed, without a stack trace, when none are given', async () => {
    const image = pushUniqueImage(
      host,
      'auth/anonymous',
      {},
      { ...process.env, DOCKER_CONFIG: join(dir, 'docker') },
    )
    const env = { PATH: process.env.PATH, DOCKER_CONFIG: join(dir, 'nowhere') }
    const verified = await runCli(
      ['verify-image', '--image', image, '--key', keys.publicKey, '--tls-verify', 'false'],
      cwd,
      env,
    )
    expect(verified.code).toBe(2)
    expect(verified.stderr.trim().split('\n')).toHaveLength(1)
    expect(verified.stderr).toMatch(/requires credentials/)
    const wrong = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      {
        ...env,
        REGISTRY_USERNAME: 'ci',
        REGISTRY_PASSWORD: 'wrong-password',
      },
    )
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/refused the credentials/)
    expect(wrong.stderr).not.toContain('wrong-password')
  })
})
