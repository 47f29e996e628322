import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { parseInputs, toBumpRequest } from '../../actions/bump-image-tag/src/inputs'
import { bundleNode } from '../support/node-runtime'
import { readOutputs, stepFiles } from '../support/step-files'
import { GitOpsRemote, gitEnv } from './git-fixture'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const env = (inputs: Record<string, string>): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  )

describe('bump-image-tag inputs', () => {
  it('reads every input the way the runner passes it, with the defaults of action.yml', () => {
    const inputs = parseInputs({
      ...env({ image, tag: '0.2.0', dir: 'manifests/overlays/dev' }),
      GITHUB_SHA: 'abc',
    })
    expect(inputs).toMatchObject({
      image: [image],
      tag: ['0.2.0'],
      dir: ['manifests/overlays/dev'],
      add: false,
      push: false,
      mode: 'commit',
      'dry-run': false,
      'source-commit': 'abc',
      'github-api-url': 'https://api.github.com',
      'author-name': 'github-actions[bot]',
      'max-attempts': 10,
    })
  })

  it('splits multi-value inputs on newlines and commas and pairs images with tags', () => {
    const inputs = parseInputs(
      env({
        image: `${image}\nghcr.io/example-org/api`,
        tag: '0.2.0,1.1.0',
        files: 'a.yaml\nb.yaml, c.yaml',
      }),
    )
    expect(inputs.files).toEqual(['a.yaml', 'b.yaml', 'c.yaml'])
    expect(toBumpRequest(inputs, '/w').bumps).toEqual([
      { image, tag: '0.2.0', digest: undefined },
      { image: 'ghcr.io/example-org/api', tag: '1.1.0', digest: undefined },
    ])
  })

  it.each([
    [
      { image, tag: '0.2.0', dir: '.', push: 'yes' },
      /invalid input 'push': 'yes', expected 'true' or 'false'/,
    ],
    [
      { image, tag: '0.2.0', dir: '.', mode: 'merge' },
      /invalid input 'mode': 'merge', expected 'commit' or 'pr'/,
    ],
    [{ tag: '0.2.0', dir: '.' }, /input 'image' is required/],
    [{ image, tag: '0.2.0' }, /set input 'files' or 'dir'/],
    [{ image, tag: '0.2.0', dir: '.', repo: 'x' }, /input 'branch' is required/],
    [{ image, tag: '0.2.0', dir: '.', push: 'true' }, /needs 'repo' and 'branch'/],
    [
      { image, tag: '0.2.0', dir: '.', repo: 'x', branch: 'main', mode: 'pr' },
      /input 'token' is required/,
    ],
    [{ image, tag: '0.2.0', dir: '.', 'max-attempts': '0' }, /invalid max-attempts '0'/],
    [
      { image, tag: '0.2.0', dir: '.', message: 'deploy {nope}' },
      /invalid --message placeholder '\{nope\}'/,
    ],
    [{ image, tag: '0.2.0', dir: '.', branch: 'main;rm' }, /invalid branch 'main;rm'/],
  ])('refuses %j', (inputs, message) => {
    expect(() => parseInputs(env(inputs))).toThrow(message)
  })

  it('refuses an invalid tag when pairing', () => {
    const inputs = parseInputs(env({ image, tag: '$(reboot)', dir: '.' }))
    expect(() => toBumpRequest(inputs, '/w')).toThrow(/invalid tag '\$\(reboot\)'/)
  })
})

describe('bump-image-tag action bundle', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  })

  it('pushes the bump and writes its outputs to $GITHUB_OUTPUT', async () => {
    const remote = new GitOpsRemote({
      'overlays/dev/kustomization.yaml': `images:\n  - name: golden-path-reference-service\n    newName: ${image}\n    newTag: "0.1.0"\n`,
    })
    cleanups.push(() => remote.cleanup())
    const runnerDir = mkdtempSync(join(tmpdir(), 'golden-path-runner-'))
    cleanups.push(() => rmSync(runnerDir, { recursive: true, force: true }))
    const { output, summary } = stepFiles(runnerDir)
    await promisify(execFile)(bundleNode, ['actions/bump-image-tag/dist/index.js'], {
      env: {
        ...gitEnv,
        ...env({
          image,
          tag: '0.2.0',
          dir: 'overlays/dev',
          repo: remote.bare,
          branch: 'main',
          push: 'true',
          environment: 'dev',
        }),
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_WORKSPACE: remote.root,
        GITHUB_SHA: 'f'.repeat(40),
      },
    })
    const outputs = readOutputs(output)
    const value = (name: string) => outputs[name]
    expect(value('changed')).toBe('true')
    expect(value('commit')).toBe(remote.tip())
    expect(value('pushed-ref')).toBe('refs/heads/main')
    expect(value('pr-url')).toBe('')
    expect(JSON.parse(value('files') ?? '')).toEqual([
      { file: 'overlays/dev/kustomization.yaml', old: '0.1.0', new: '0.2.0' },
    ])
    expect(value('attempts')).toBe('1')
    expect(remote.log('%B')).toContain(`Golden-Path-Source-Commit: ${'f'.repeat(40)}`)
    expect(readFileSync(summary, 'utf8')).toContain('overlays/dev/kustomization.yaml')
  })
})
