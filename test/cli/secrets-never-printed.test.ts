import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { newRevision } from '../support/argocd-fixtures'
import { bundleNode } from '../support/node-runtime'
import { readOutputs, stepFiles } from '../support/step-files'

/*
 * A marker secret fed through every command's failure paths must never come back out: not
 * in stdout, stderr, step outputs or job summaries (only in the runner's ::add-mask:: commands,
 * which exist to hide it).
 */
const marker = 'MARKERsecret7c1e'
const root = new URL('../..', import.meta.url).pathname

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-secrets-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A loopback Argo CD stand-in that echoes the token it was sent in every error body. */
async function echoingServer(status: number): Promise<string> {
  const server: Server = createServer((request, response) => {
    const sent = request.headers.authorization ?? ''
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({
        error: `bad credentials ${sent}`,
        message: `token ${sent} rejected by https://admin:${marker}@argocd.internal`,
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

async function cli(
  args: string[],
  { cwd = '/', stdin = '', env = {} as Record<string, string> } = {},
) {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const code = await main(args, {
    stdout: sink((text) => {
      stdout += text
    }),
    stderr: sink((text) => {
      stderr += text
    }),
    stdin: Readable.from([stdin]),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    cwd,
  })
  return { code, stdout, stderr }
}

function expectNoMarker(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(marker)
    expect(text).not.toContain(marker.slice(0, 10))
  }
}

const verifyArgs = (server: string, token: string) => [
  'verify',
  '--server',
  server,
  '--app',
  'web',
  '--revision',
  newRevision,
  '--token',
  token,
  '--timeout',
  '2',
  '--watch',
  'poll',
]

describe('no command prints a secret it was given', () => {
  it('bump --repo with credentials in the URL', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'images:\n  - name: ghcr.io/o/app\n    newTag: "1"\n',
    )
    const result = await cli(
      [
        'bump',
        '--image',
        'ghcr.io/o/app',
        '--tag',
        '2.0.0',
        '--repo',
        `http://deployer:${marker}@127.0.0.1:9/gitops.git`,
        '--branch',
        'main',
        '--file',
        'kustomization.yaml',
        '--push',
      ],
      { cwd: dir },
    )
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/\S/)
    expectNoMarker(result.stdout, result.stderr)
  })

  it('verify --token with a line break, refused without echoing it', async () => {
    const result = await cli(verifyArgs('http://127.0.0.1:9', `${marker}\nsecond-line-of-it`))
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'golden-path verify: invalid --token: it holds a line break or another control character (not shown); pass the token on one line\n',
    )
    expectNoMarker(result.stdout, result.stderr)
  })

  it('verify --server with credentials in the URL', async () => {
    const result = await cli(verifyArgs(`http://admin:${marker}@127.0.0.1:9`, 'a-plain-token'))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/no query, fragment or credentials/)
    expectNoMarker(result.stdout, result.stderr)
  })

  it.each([401, 500])(
    'verify against a server that echoes the token in an HTTP %i body (text and JSON)',
    async (status) => {
      const server = await echoingServer(status)
      for (const output of ['text', 'json']) {
        const result = await cli([...verifyArgs(server, marker), '--output', output])
        expect(result.code).toBe(1)
        expect(`${result.stdout}${result.stderr}`).toMatch(/\*\*\*/)
        expectNoMarker(result.stdout, result.stderr)
      }
    },
  )

  it('push to a registry URL with credentials', async () => {
    const result = await cli([
      'push',
      '--oci',
      tempDir(),
      '--image',
      `https://robot:${marker}@127.0.0.1:9/team/app`,
    ])
    expect(result.code).toBe(2)
    expectNoMarker(result.stdout, result.stderr)
  })

  it('scan of a registry URL with credentials', async () => {
    const result = await cli([
      'scan',
      '--image',
      `https://robot:${marker}@127.0.0.1:9/team/app:1.0`,
    ])
    expect(result.code).not.toBe(0)
    expectNoMarker(result.stdout, result.stderr)
  })

  it('validate with a schema location carrying credentials', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'widget.yaml'),
      'apiVersion: example.org/v1\nkind: Widget\nmetadata: {name: w}\n',
    )
    for (const output of ['text', 'json', 'sarif']) {
      const result = await cli(
        [
          'validate',
          'widget.yaml',
          '--policy',
          'none',
          '--output',
          output,
          '--schema-location',
          `http://reader:${marker}@127.0.0.1:9/{{.ResourceKind}}.json`,
        ],
        { cwd: dir, env: { HOME: dir } },
      )
      expect(result.code).not.toBe(0)
      expectNoMarker(result.stdout, result.stderr)
    }
  })
})

describe('no action prints a secret it was given', () => {
  async function runVerifyAction(inputs: Record<string, string>) {
    const bundle = join(root, 'actions/verify-argo-sync/dist/index.js')
    expect(existsSync(bundle), "run 'node scripts/build.mjs verify-argo-sync'").toBe(true)
    const files = stepFiles(tempDir())
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
    }
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
    const child = spawn(bundleNode, [bundle], { env })
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stdout += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    return {
      code,
      stdout,
      outputs: readOutputs(files.output),
      summary: readFileSync(files.summary, 'utf8'),
    }
  }

  const base = (server: string) => ({
    server,
    app: 'web',
    revision: newRevision,
    timeout: '5',
    watch: 'poll',
    'request-timeout': '2',
  })

  it('verify-argo-sync masks each line of a multi-line token and never prints it', async () => {
    const result = await runVerifyAction({
      ...base('http://127.0.0.1:9'),
      token: `${marker}-one\n${marker}-two`,
    })
    const masks = result.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'))
    expect(masks).toEqual(
      expect.arrayContaining([`::add-mask::${marker}-one`, `::add-mask::${marker}-two`]),
    )
    const rest = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(rest).toMatch(/::error::verify-argo-sync: invalid .*token.*: it holds a line break/)
    expectNoMarker(rest, JSON.stringify(result.outputs), result.summary)
  })

  it('verify-argo-sync keeps a token a server echoes out of its outputs and summary', async () => {
    const server = await echoingServer(401)
    const result = await runVerifyAction({ ...base(server), token: marker })
    const rest = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(result.outputs.verified).toBe('false')
    expect(result.outputs.result).toMatch(/\*\*\*/)
    expectNoMarker(rest, JSON.stringify(result.outputs), result.summary)
  })
})
