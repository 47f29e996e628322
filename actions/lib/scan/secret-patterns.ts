/**
 * High-confidence secret patterns only: each matches a format with a fixed,
 * documented prefix or a complete PEM block, so a hit is almost never noise.
 * (Token formats: GitHub "About authentication" token prefixes, AWS IAM key ID
 * prefixes, Slack token types, npm granular tokens, Stripe live keys.)
 */
export interface SecretPattern {
  name: string
  pattern: RegExp
}

export const secretPatterns: readonly SecretPattern[] = [
  {
    name: 'private key',
    // A whole PEM block with a body, not just the header text that TLS libraries embed.
    // Encrypted PEM keys carry "Proc-Type:"-style header lines before the base64 body.
    pattern:
      /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----\r?\n(?:[A-Za-z-]+: [^\n]*\r?\n)*(?:\r?\n)?[A-Za-z0-9+/=]{16,}[\s\S]{0,16384}?-----END \1?PRIVATE KEY-----/,
  },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36}\b/ },
  { name: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b/ },
  { name: 'AWS access key ID', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'Slack token', pattern: /\bxox[abpors]-[0-9]{10,13}-[0-9A-Za-z-]{10,}\b/ },
  { name: 'npm access token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'Stripe live secret key', pattern: /\bsk_live_[0-9A-Za-z]{24,99}\b/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
]

/** Files larger than this are not searched (binaries such as the node executable). */
export const secretScanMaxBytes = 16 * 1024 * 1024

/** The names of the patterns found in `content`. */
export function findSecrets(content: Buffer): string[] {
  if (content.length === 0 || content.length > secretScanMaxBytes) return []
  // latin1 maps each byte to one character, so binary content cannot break decoding.
  const text = content.toString('latin1')
  return secretPatterns.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name)
}
