import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { bundleNode } from '../support/node-runtime'
import { stepFiles } from '../support/step-files'
import { repositoryRoot, workspace } from './validate-harness'

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: remote}\ndata: {a: b}\n'

/** A loopback HTTP server that serves a manifest and records every request it gets. */
async function recordingServer(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = []
  const server = createServer((request, response) => {
    hits.push(request.url ?? '')
    response.writeHead(200, { 'content-type': 'application/yaml' })
    response.end(configMap)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return { url: `http://127.0.0.1:${address.port}`, hits, server }
}

async function cli(args: string[], cwd: string) {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const code = await main(['validate', '--policy', 'none', ...args], {
    stdout: sink((text) => {
      stdout += text
    }),
    stderr: sink((text) => {
      stderr += text
    }),
    stdin: Readable.from([]),
    env: {},
    cwd,
  })
  return { code, stdout, stderr }
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('validate --kustomize stays offline', () => {
  it('refuses a remote resource with exit 2 naming it, and sends no request', async () => {
    const remote = await recordingServer()
    cleanups.push(() => remote.server.close())
    const area = workspace({
      'overlay/kustomization.yaml': `resources:\n  - local.yaml\n  - ${remote.url}/configmap.yaml\n`,
      'overlay/local.yaml': configMap.replace('remote', 'local'),
    })
    cleanups.push(area.cleanup)
    const result = await cli(['--kustomize', 'overlay'], area.dir)
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `golden-path validate: --kustomize 'overlay': overlay/kustomization.yaml names a remote resources: ${remote.url}/configmap.yaml; validation is offline (vendor it, or allow it: --allow-remote, action input allow-remote: true)\n`,
    )
    expect(remote.hits).toEqual([])
  })

  it.each([
    [
      'a remote base in an included kustomization',
      'resources:\n  - ../base\n',
      {
        'base/kustomization.yaml':
          'resources:\n  - https://user:hunter2secret@example.org/app.yaml\n',
      },
      /base\/kustomization\.yaml names a remote resources: https:\/\/\*\*\*@example\.org\/app\.yaml/,
    ],
    [
      'a remote component',
      'components:\n  - github.com/example-org/components//monitoring?ref=v1.0.0\n',
      {},
      /names a remote components: github\.com\/example-org/,
    ],
    [
      'an scp-style git address',
      'resources:\n  - git@github.com:example-org/deploy.git\n',
      {},
      /names a remote resources: git@github\.com/,
    ],
    [
      'a Helm chart from a repository',
      'helmCharts:\n  - name: podinfo\n    repo: https://stefanprodan.github.io/podinfo\n    version: 6.7.0\n',
      {},
      /names a remote helmCharts: podinfo from https:\/\/stefanprodan\.github\.io\/podinfo/,
    ],
  ])('refuses %s with exit 2', async (_label, kustomization, extra, message) => {
    const area = workspace({ 'overlay/kustomization.yaml': kustomization, ...extra })
    cleanups.push(area.cleanup)
    const result = await cli(['--kustomize', 'overlay'], area.dir)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toContain('hunter2secret')
    expect(result.stderr.split('\n')).toHaveLength(2)
  })

  it('fetches a remote resource only with --allow-remote', async () => {
    const remote = await recordingServer()
    cleanups.push(() => remote.server.close())
    const area = workspace({
      'overlay/kustomization.yaml': `resources:\n  - ${remote.url}/configmap.yaml\n`,
    })
    cleanups.push(area.cleanup)
    const result = await cli(['--kustomize', 'overlay', '--allow-remote'], area.dir)
    expect(remote.hits).toEqual(['/configmap.yaml'])
    expect(result.code).toBe(0)
  })
})

/** The validate-manifests action's committed bundle, run as the runner runs it (asynchronously, so
 * the loopback server in this process can answer). */
function runAction(dir: string, inputs: Record<string, string>) {
  const { output, summary } = stepFiles(dir)
  return new Promise<{ code: number; stdout: string; output: string }>((resolve) => {
    execFile(
      bundleNode,
      [join(repositoryRoot, 'actions/validate-manifests/dist/index.js')],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          GITHUB_WORKSPACE: dir,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: summary,
          ...inputs,
        },
      },
      (error, stdout) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout,
          output: readFileSync(output, 'utf8'),
        }),
    )
  })
}

describe('validate-manifests action: allow-remote', () => {
  it('stays offline by default and fetches the remote resource only with allow-remote: true', async () => {
    const remote = await recordingServer()
    cleanups.push(() => remote.server.close())
    const area = workspace({
      'overlay/kustomization.yaml': `resources:\n  - ${remote.url}/configmap.yaml\n`,
    })
    cleanups.push(area.cleanup)
    const inputs = { INPUT_KUSTOMIZE: 'overlay', INPUT_POLICY: 'none' }
    const offline = await runAction(area.dir, inputs)
    expect(offline.code).toBe(1)
    expect(offline.stdout).toContain('names a remote resources')
    expect(offline.stdout).toContain('allow-remote: true')
    expect(remote.hits).toEqual([])
    const online = await runAction(area.dir, { ...inputs, 'INPUT_ALLOW-REMOTE': 'true' })
    expect(remote.hits).toEqual(['/configmap.yaml'])
    expect(online.code).toBe(0)
    expect(online.output).toMatch(/valid<<(\S+)\ntrue\n\1/)
  })
})
