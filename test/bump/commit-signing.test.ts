import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { spawnRunner } from '../../actions/lib/ports'
import { bumpImages, defaultIdentity } from '../../actions/lib/writeback/bump-images'
import { defaultMessageTemplate } from '../../actions/lib/writeback/commit-message'
import { GitCli } from '../../actions/lib/writeback/git-cli'
import { GitOpsRemote, git, gitEnv, realPorts } from './git-fixture'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const overlay = (tag: string) => `images:\n  - name: ${image}\n    newTag: "${tag}"\n`
const remotes: GitOpsRemote[] = []
afterEach(() => {
  for (const remote of remotes.splice(0)) remote.cleanup()
})

function sshKeygen(...args: string[]): void {
  try {
    execFileSync('ssh-keygen', args, { stdio: 'pipe' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('ssh-keygen is not installed: apt-get install -y openssh-client')
    }
    throw error
  }
}

function bump(remote: GitOpsRemote, env: NodeJS.ProcessEnv) {
  return bumpImages(
    {
      bumps: [{ image, tag: '0.2.0' }],
      files: ['kustomization.yaml'],
      directories: [],
      targets: { add: false },
      dryRun: false,
      workspace: remote.root,
      git: {
        repo: remote.bare,
        branch: 'main',
        push: true,
        mode: 'commit',
        messageTemplate: defaultMessageTemplate,
        identity: defaultIdentity,
        sign: true,
        maxAttempts: 3,
      },
    },
    realPorts({ git: new GitCli(spawnRunner, {}, env) }),
  )
}

describe('commit signing', () => {
  it('signs the commit with the key git is configured with (SSH signing)', async () => {
    const remote = new GitOpsRemote({ 'kustomization.yaml': overlay('0.1.0') })
    remotes.push(remote)
    const key = join(remote.root, 'signing-key')
    sshKeygen('-q', '-t', 'ed25519', '-N', '', '-C', 'release', '-f', key)
    const allowed = join(remote.root, 'allowed-signers')
    const publicKey = execFileSync('cat', [`${key}.pub`], { encoding: 'utf8' }).trim()
    writeFileSync(allowed, `${defaultIdentity.email} ${publicKey}\n`)
    const config = join(remote.root, 'gitconfig')
    writeFileSync(
      config,
      `[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = ${key}\n[gpg "ssh"]\n\tallowedSignersFile = ${allowed}\n`,
    )
    await bump(remote, { ...gitEnv, GIT_CONFIG_GLOBAL: config })
    const verified = execFileSync(
      'git',
      ['--git-dir', remote.bare, 'log', '-1', '--format=%G?|%GS', 'main'],
      {
        env: { ...gitEnv, GIT_CONFIG_GLOBAL: config },
        encoding: 'utf8',
      },
    )
    expect(verified.trim()).toBe(`G|${defaultIdentity.email}`)
  })

  it('fails before pushing when signing is asked for but no key is configured', async () => {
    const remote = new GitOpsRemote({ 'kustomization.yaml': overlay('0.1.0') })
    remotes.push(remote)
    const before = remote.tip()
    const config = join(remote.root, 'gitconfig')
    writeFileSync(
      config,
      `[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = ${join(remote.root, 'missing-key')}\n`,
    )
    await expect(bump(remote, { ...gitEnv, GIT_CONFIG_GLOBAL: config })).rejects.toThrow(
      /git commit failed \(signing\)/,
    )
    expect(remote.tip()).toBe(before)
    expect(git(remote.root, '--git-dir', remote.bare, 'show', 'main:kustomization.yaml')).toBe(
      overlay('0.1.0'),
    )
  })
})
