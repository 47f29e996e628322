import { describe, expect, it } from 'vitest'
import { findSecrets } from '../../actions/lib/scan/secret-patterns'

// Token-shaped values are assembled here so that none sits in the repository as a literal.
const body = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun'
const alnum = (length: number) => 'Zq8Wm3Kp5R'.repeat(10).slice(0, length)

describe('secret patterns', () => {
  it.each([
    [
      'an RSA private key',
      `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`,
      'private key',
    ],
    [
      'a PKCS#8 private key',
      `-----BEGIN PRIVATE KEY-----\n${body}\n${body}\n-----END PRIVATE KEY-----`,
      'private key',
    ],
    [
      'an OpenSSH private key',
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`,
      'private key',
    ],
    ['a GitHub personal access token', `token=ghp_${alnum(36)}`, 'GitHub token'],
    ['a GitHub Actions token', `ghs_${alnum(36)}`, 'GitHub token'],
    [
      'a GitHub fine-grained token',
      `github_pat_${alnum(22)}_${alnum(59)}`,
      'GitHub fine-grained token',
    ],
    ['an AWS access key ID', `aws_access_key_id = AKIA${'QWERTYUIOPASDFGH'}`, 'AWS access key ID'],
    ['an npm token', `//registry.npmjs.org/:_authToken=npm_${alnum(36)}`, 'npm access token'],
    ['a Slack bot token', `xoxb-1234567890-1234567890123-${alnum(24)}`, 'Slack token'],
    ['a Stripe live key', `sk_live_${alnum(24)}`, 'Stripe live secret key'],
  ])('finds %s', (_, text, name) => {
    expect(findSecrets(Buffer.from(text))).toContain(name)
  })

  it.each([
    ['the PEM header a TLS library embeds', 'PEM_read_bio -----BEGIN PRIVATE KEY----- %s'],
    ['a certificate', `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`],
    ['a token that is too short', `ghp_${alnum(20)}`],
    ['the word AKIA in prose', 'the AKIA prefix marks long-term keys'],
    ['an environment variable name', 'GITHUB_TOKEN=$GITHUB_TOKEN npm publish'],
  ])('does not flag %s', (_, text) => {
    expect(findSecrets(Buffer.from(text))).toEqual([])
  })
})
