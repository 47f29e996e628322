// Runs deliver.yml in local mode through act, the way a product repository would
// call it: a throwaway product repository holding the reference service and a
// caller workflow (`uses: example-org/golden-path/.github/workflows/deliver.yml@main`),
// with act reading golden-path's workflow and actions from this checkout.
//
//   node scripts/act-deliver.mjs --work DIR --registry HOST:PORT --gitops-repo PATH
//     [--gitops-path DIR] [--build-arg K=V]... [--argocd-server URL --argocd-app NAME
//     [--argocd-insecure]] [--caller-ref REF]
//
// --caller-ref (default main) is the ref the caller names deliver.yml at, e.g. v1 as
// in docs/examples/deliver-local.yml; act then maps both that ref and main (the ref of
// the actions inside deliver.yml on main) to this checkout.
//
// The Argo CD token, when verifying, is read from ARGOCD_AUTH_TOKEN and handed to act
// by name only (never on a command line). Exits with act's exit code.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '')

const { values } = parseArgs({
  options: {
    work: { type: 'string' },
    registry: { type: 'string' },
    'gitops-repo': { type: 'string' },
    'gitops-path': { type: 'string', default: 'manifests/overlays/dev' },
    'build-arg': { type: 'string', multiple: true, default: [] },
    'argocd-server': { type: 'string', default: '' },
    'argocd-app': { type: 'string', default: '' },
    'argocd-insecure': { type: 'boolean', default: false },
    'image-name': { type: 'string', default: 'example-org/golden-path-reference-service' },
    'caller-ref': { type: 'string', default: 'main' },
  },
})
for (const required of ['work', 'registry', 'gitops-repo']) {
  if (!values[required]) {
    console.error(`act-deliver: --${required} is required`)
    process.exit(2)
  }
}

function act() {
  for (const candidate of [process.env.ACT, join(homedir(), 'go/bin/act'), 'act']) {
    if (candidate && spawnSync(candidate, ['--version']).status === 0) return candidate
  }
  console.error('act-deliver: act is not installed; run: go install github.com/nektos/act@v0.2.87')
  process.exit(2)
}

/** A YAML double-quoted scalar: JSON strings are valid YAML. */
const quoted = (value) => JSON.stringify(value)

const product = join(values.work, 'product')
rmSync(product, { recursive: true, force: true })
mkdirSync(join(product, '.github/workflows'), { recursive: true })
cpSync(join(root, 'service'), join(product, 'service'), {
  recursive: true,
  filter: (source) => !/\/(node_modules|dist)(\/|$)/.test(source.slice(root.length)),
})
const verifying = values['argocd-server'] !== ''
// The caller passes the token by name; act reads ARGOCD_TOKEN from its environment (-s ARGOCD_TOKEN).
// The expression is split so that it stays literal workflow text, not a placeholder.
const secretsBlock = [
  '    secrets:',
  '      argocd-token: $' + '{{ secrets.ARGOCD_TOKEN }}',
  '',
].join('\n')
writeFileSync(
  join(product, '.github/workflows/deliver.yml'),
  `name: deliver
on: push
permissions: {}
jobs:
  deliver:
    uses: example-org/golden-path/.github/workflows/deliver.yml@${values['caller-ref']}
    permissions:
      contents: read # check out the service
      packages: write # push the image
    with:
      local: true
      service-path: service
      test-script: typecheck
      registry: ${quoted(values.registry)}
      image-name: ${quoted(values['image-name'])}
      build-args: ${quoted(values['build-arg'].join('\n'))}
      gitops-repository: ${quoted(values['gitops-repo'])}
      gitops-path: ${quoted(values['gitops-path'])}
      argocd-server: ${quoted(values['argocd-server'])}
      argocd-app: ${quoted(values['argocd-app'])}
      argocd-insecure: ${values['argocd-insecure']}
${verifying ? secretsBlock : ''}`,
)
const git = (...args) => {
  const result = spawnSync('git', args, { cwd: product, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`git ${args[0]}: ${result.stderr}`)
}
git('init', '--quiet', '--initial-branch', 'main')
git('add', '--all')
git(
  '-c',
  'user.name=golden-path',
  '-c',
  'user.email=golden-path@localhost',
  'commit',
  '--quiet',
  '-m',
  'product',
)

const args = [
  'push',
  '-W',
  '.github/workflows/deliver.yml',
  '-P',
  'ubuntu-latest=-self-hosted',
  '--env-file',
  '/dev/null',
  '--no-cache-server',
  '--local-repository',
  `example-org/golden-path@main=${root}`,
]
if (values['caller-ref'] !== 'main')
  args.push('--local-repository', `example-org/golden-path@${values['caller-ref']}=${root}`)
const env = { ...process.env }
if (verifying) {
  args.push('-s', 'ARGOCD_TOKEN')
  env.ARGOCD_TOKEN = process.env.ARGOCD_AUTH_TOKEN ?? ''
}
const child = spawn(act(), args, { cwd: product, env, stdio: 'inherit' })
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
