import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { freeLoopbackPort } from '../support/free-port'
import { requireTools } from '../support/required-tools'
import { type KeyPairFiles, pushUniqueImage, writeKeyPair } from '../support/signing-fixtures'

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
