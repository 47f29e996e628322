import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'

/** The cluster command's contracts that need no control plane: usage, status and down on odd states. */
describe('golden-path cluster without a running cluster', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-cluster-cmd-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('rejects an unknown action in one line with exit 2', async () => {
    const run = await runCli(['cluster', 'start'], dir)
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      "golden-path cluster: expected one of 'cluster up', 'cluster down' or 'cluster status' (run 'golden-path cluster --help')\n",
    )
  })

  it('says a state directory without a cluster is stopped (exit 1), and down there is a no-op', async () => {
    const stateDir = join(dir, 'cluster')
    const status = await runCli(
      ['cluster', 'status', '--state-dir', stateDir, '--output', 'json'],
      dir,
    )
    expect(status.code).toBe(1)
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'stopped', components: [] })
    const down = await runCli(['cluster', 'down', '--state-dir', stateDir], dir)
    expect(down.code).toBe(0)
    expect(down.stdout).toBe(`no cluster was running in ${stateDir}\n`)
  })

  it('reports a half-running cluster as partial, and down stops what still runs by its recorded PID', async () => {
    const stateDir = join(dir, 'cluster')
    mkdirSync(stateDir)
    const sleeper = spawn('/bin/sleep', ['300'], { stdio: 'ignore' })
    const exited = new Promise((resolve) => sleeper.on('exit', resolve))
    writeFileSync(
      join(stateDir, 'processes.json'),
      JSON.stringify([
        {
          name: 'etcd',
          pid: sleeper.pid,
          executable: realpathSync('/bin/sleep'),
          log: join(stateDir, 'etcd.log'),
        },
        // A PID that is running but is not the recorded program: never signalled.
        {
          name: 'kube-apiserver',
          pid: process.pid,
          executable: '/no/such/kube-apiserver',
          log: '',
        },
      ]),
    )
    const status = await runCli(
      ['cluster', 'status', '--state-dir', stateDir, '--output', 'json'],
      dir,
    )
    expect(status.code).toBe(1)
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: 'partial',
      components: [
        { name: 'etcd', running: true },
        { name: 'kube-apiserver', running: false },
      ],
    })
    const down = await runCli(['cluster', 'down', '--state-dir', stateDir], dir)
    expect(down.code).toBe(0)
    expect(down.stdout).toBe('stopped etcd\n')
    await exited
    expect(existsSync(stateDir)).toBe(false)
  })

  it('fails in one line with exit 1 when the control plane cannot be built', async () => {
    const script = join(dir, 'build.sh')
    writeFileSync(
      script,
      '#!/usr/bin/env bash\nif [ "$1" = --print-dir ]; then echo "$BUILD_DIR"; exit 0; fi\necho "control-plane: kube-apiserver building" >&2\necho "go: module lookup disabled" >&2\nexit 1\n',
    )
    const run = await runCli(['cluster', 'up', '--state-dir', join(dir, 'cluster')], dir, {
      ...process.env,
      GOLDEN_PATH_CONTROL_PLANE_BUILD: script,
      BUILD_DIR: join(dir, 'build'),
    })
    expect(run.code).toBe(1)
    const lines = run.stderr.trim().split('\n')
    expect(lines).toContain('cluster: kube-apiserver building')
    expect(lines[lines.length - 1]).toMatch(
      /^golden-path cluster: building the control plane failed: go: module lookup disabled \(re-run .*build\.sh to see the whole log\)$/,
    )
  })
})
