import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../actions/lib/writeback/bump-images'
import { classifyPushFailure, needsToken } from '../../actions/lib/writeback/git-cli'
import { unifiedDiff } from '../../actions/lib/writeback/unified-diff'

describe('reading a refused push', () => {
  it.each([
    [
      'a non-fast-forward',
      'To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)\nDone\n',
      'hint: Updates were rejected because the tip of your current branch is behind\n',
      { kind: 'stale', message: 'non-fast-forward' },
    ],
    [
      'a branch moved since the clone',
      'To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n',
      '',
      { kind: 'stale', message: 'fetch first' },
    ],
    [
      'a lost ref lock on the server',
      'To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\nDone\n',
      "remote: error: cannot lock ref 'refs/heads/main': is at e8a9 but expected 6734\nerror: failed to push some refs\n",
      {
        kind: 'stale',
        message:
          "failed to update ref: error: cannot lock ref 'refs/heads/main': is at e8a9 but expected 6734",
      },
    ],
    [
      'a pre-receive hook',
      'To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n',
      'remote: frozen until Monday        \nerror: failed to push some refs\n',
      { kind: 'rejected', message: 'pre-receive hook declined: frozen until Monday' },
    ],
    [
      'an unreachable remote',
      '',
      "fatal: '/nowhere.git' does not appear to be a git repository\n",
      { kind: 'rejected', message: "fatal: '/nowhere.git' does not appear to be a git repository" },
    ],
  ])('classifies %s', (_, stdout, stderr, expected) => {
    expect(classifyPushFailure(stdout, stderr)).toEqual(expected)
  })
})

describe('retry backoff', () => {
  it.each([
    [1, 200],
    [2, 400],
    [4, 1600],
    [6, 5000],
    [12, 5000],
  ])('waits below the ceiling for attempt %i (%i ms)', (attempt, ceiling) => {
    expect(backoffDelay(attempt, () => 0)).toBe(0)
    expect(backoffDelay(attempt, () => 0.999999)).toBe(ceiling - 1)
  })
})

describe('tokens', () => {
  it.each([
    ['https://github.com/example-org/gitops.git', true],
    ['/srv/git/gitops.git', false],
    ['.', false],
    ['git@github.com:example-org/gitops.git', false],
  ])('sends a token to %s: %s', (repo, expected) => {
    expect(needsToken(repo)).toBe(expected)
  })
})

describe('dry-run diff', () => {
  it('shows separate hunks for distant changes and an appended entry', () => {
    const before = `${Array.from({ length: 12 }, (_, index) => `line${index}`).join('\n')}\n`
    const after = before.replace('line1\n', 'LINE1\n').replace('line11\n', 'line11\nadded\n')
    expect(unifiedDiff('f.yaml', before, after)).toBe(
      [
        '--- a/f.yaml',
        '+++ b/f.yaml',
        '@@ -1,5 +1,5 @@',
        ' line0',
        '-line1',
        '+LINE1',
        ' line2',
        ' line3',
        ' line4',
        '@@ -10,3 +10,4 @@',
        ' line9',
        ' line10',
        ' line11',
        '+added',
        '',
      ].join('\n'),
    )
  })
})
