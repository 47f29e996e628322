import { describe, expect, it } from 'vitest'
import { isExpired, parseIgnoreFile } from '../../actions/lib/scan/scan-ignore'

describe('the scan ignore file', () => {
  it('reads entries with id, optional package, expiry and reason', () => {
    const entries = parseIgnoreFile(
      `vulnerabilities:
  - id: CVE-2026-0001          # required
    package: libssl3           # optional: only this package
    expires: 2027-06-30        # required, a date
    reason: "why this is acceptable"
  - id: CVE-2026-0002
    expires: 2026-12-31
    reason: no exploit path
`,
      'ignore.yaml',
    )
    expect(entries).toEqual([
      {
        id: 'CVE-2026-0001',
        package: 'libssl3',
        expires: '2027-06-30',
        reason: 'why this is acceptable',
      },
      { id: 'CVE-2026-0002', package: undefined, expires: '2026-12-31', reason: 'no exploit path' },
    ])
  })

  it('treats an empty file as no accepted risks', () => {
    expect(parseIgnoreFile('', 'ignore.yaml')).toEqual([])
    expect(parseIgnoreFile('vulnerabilities: []\n', 'ignore.yaml')).toEqual([])
  })

  it.each([
    [
      'no expires',
      '- id: CVE-1\n  reason: r',
      /vulnerabilities\[0\] \(CVE-1\) has no 'expires' date/,
    ],
    ['no reason', '- id: CVE-1\n  expires: 2027-01-01', /\(CVE-1\) has no 'reason'/],
    ['an empty reason', '- id: CVE-1\n  expires: 2027-01-01\n  reason: ""', /has no 'reason'/],
    ['no id', '- expires: 2027-01-01\n  reason: r', /vulnerabilities\[0\] has no 'id'/],
    [
      'a date that is not a date',
      '- id: CVE-1\n  expires: 2027-02-30\n  reason: r',
      /expires '2027-02-30' is not a date/,
    ],
    [
      'a date in another format',
      '- id: CVE-1\n  expires: 30/06/2027\n  reason: r',
      /is not a date \(YYYY-MM-DD\)/,
    ],
    ['a misspelt key', '- id: CVE-1\n  expire: 2027-01-01\n  reason: r', /unknown key 'expire'/],
  ])('rejects the whole file when an entry has %s', (_, entry, message) => {
    const text = `vulnerabilities:\n${entry.replace(/^/gm, '  ')}\n`
    expect(() => parseIgnoreFile(text, 'ignore.yaml')).toThrow(message)
  })

  it('rejects a file that is not YAML or has no list', () => {
    expect(() => parseIgnoreFile('vulnerabilities: [', 'ignore.yaml')).toThrow(/not valid YAML/)
    expect(() => parseIgnoreFile('vulnerabilities: CVE-1', 'ignore.yaml')).toThrow(/must be a list/)
  })

  it.each([
    ['2026-11-30', '2026-11-30T23:59:59Z', false],
    ['2026-11-30', '2026-12-01T00:00:00Z', true],
    ['2027-01-01', '2026-11-30T00:00:00Z', false],
  ])('an entry expiring %s has expired at %s: %s', (expires, at, expired) => {
    expect(isExpired({ id: 'CVE-1', expires, reason: 'r' }, Date.parse(at))).toBe(expired)
  })
})
