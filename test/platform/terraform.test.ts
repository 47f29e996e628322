import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parse as parseHcl } from '@cdktf/hcl2json'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { spawnRunner } from '../../actions/lib/ports'
import { readYamlFile, repoRoot } from './kube-objects'

const moduleDir = join(repoRoot, 'terraform')

function tfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === '.terraform' ? [] : tfFiles(path)
    return entry.name.endsWith('.tf') ? [path] : []
  })
}

// hcl2json gives every block as a list (blocks may repeat) and every expression as "${...}".
// biome-ignore lint/suspicious/noExplicitAny: the shape of parsed HCL depends on the block
type Hcl = Record<string, any>

/** How hcl2json writes an expression. */
function hclExpression(expression: string): string {
  return `\${${expression}}`
}

async function parseDir(dir: string): Promise<Hcl[]> {
  const files = readdirSync(dir).filter((file) => file.endsWith('.tf'))
  return Promise.all(files.map((file) => parseHcl(file, readFileSync(join(dir, file), 'utf8'))))
}

function blocks(parsed: Hcl[], type: string): [string, Hcl][] {
  return parsed.flatMap((file) =>
    Object.entries(file[type] ?? {}).map(
      ([name, list]) => [name, (list as Hcl[])[0]] as [string, Hcl],
    ),
  )
}

let module: Hcl[] = []
let example: Hcl[] = []

beforeAll(async () => {
  module = await parseDir(moduleDir)
  example = await parseDir(join(moduleDir, 'examples', 'kind'))
})

const exactVersion = /^\d+\.\d+\.\d+$/
/** A constraint that cannot jump a major version: "~> X.Y", "~> X.Y.Z" or an exact version. */
const pinnedConstraint = /^(~>\s*\d+\.\d+(\.\d+)?|=?\s*\d+\.\d+\.\d+)$/

describe('terraform module contract', () => {
  it('parses every .tf file, the example included', async () => {
    const files = tfFiles(moduleDir)
    expect(files.map((file) => relative(moduleDir, file)).sort()).toEqual([
      'examples/kind/main.tf',
      'examples/kind/outputs.tf',
      'examples/kind/variables.tf',
      'examples/kind/versions.tf',
      'main.tf',
      'outputs.tf',
      'values.tf',
      'variables.tf',
      'versions.tf',
    ])
    for (const file of files) {
      await expect(parseHcl(file, readFileSync(file, 'utf8')), file).resolves.toBeTypeOf('object')
    }
  })

  it('rejects HCL that does not parse, so the check above can fail', async () => {
    await expect(parseHcl('broken.tf', 'variable "x" {\n  type = \n')).rejects.toThrow()
  })

  it.each([
    ['module', () => module],
    ['examples/kind', () => example],
  ])('%s requires Terraform >= 1.6 and pins every provider', (_where, parsed) => {
    const terraform = parsed().flatMap((file) => file.terraform ?? [])
    expect(terraform).toHaveLength(1)
    expect(terraform[0].required_version).toMatch(/^>=\s*1\.([6-9]|\d{2,})\.\d+$/)
    const providers: Record<string, { source: string; version: string }> = Object.assign(
      {},
      ...terraform[0].required_providers,
    )
    expect(Object.keys(providers)).toEqual(['helm'])
    for (const [name, provider] of Object.entries(providers)) {
      expect(provider.source, name).toBe(`hashicorp/${name}`)
      expect(provider.version, name).toMatch(pinnedConstraint)
    }
  })

  it('installs the argo-cd and argocd-apps charts at exact versions', () => {
    const variables = Object.fromEntries(blocks(module, 'variable'))
    // Resources nest one level deeper than other blocks: resource.<type>.<name>[0].
    const releases = module.flatMap((file) =>
      Object.values((file.resource?.helm_release ?? {}) as Record<string, Hcl[]>),
    )
    const releasesByChart = Object.fromEntries<Hcl>(
      releases.map(([release]) => [release.chart, release]),
    )
    expect(Object.keys(releasesByChart).sort()).toEqual(['argo-cd', 'argocd-apps'])
    for (const [chart, release] of Object.entries(releasesByChart)) {
      const reference = /^\$\{var\.(\w+)\}$/.exec(release.version)
      const version = reference ? variables[reference[1]]?.default : release.version
      expect(version, `${chart} chart version`).toMatch(exactVersion)
    }
    expect(releasesByChart['argocd-apps'].depends_on).toEqual([
      hclExpression('helm_release.argocd'),
    ])
  })

  it('types and describes every variable, and validates the constrained ones', () => {
    const variables = blocks(module, 'variable')
    expect(variables.length).toBeGreaterThan(0)
    for (const [name, variable] of variables) {
      expect(variable.type, name).toMatch(/^\$\{.+\}$/s)
      expect(variable.description, name).toMatch(/\S{3,}.*\./)
    }
    const validated = variables.filter(([, variable]) => variable.validation).map(([name]) => name)
    expect(validated).toEqual(
      expect.arrayContaining([
        'namespace',
        'release_name',
        'chart_repository',
        'chart_version',
        'apps_chart_version',
        'server_ingress',
        'admin_password_bcrypt',
        'oidc_config',
        'rbac_default_role',
        'gitops_repo_url',
        'root_app_path',
        'timeout_seconds',
      ]),
    )
    for (const [name, variable] of variables) {
      for (const rule of variable.validation ?? []) {
        expect(rule.condition, name).toContain(`var.${name}`)
        expect(rule.error_message, name).toContain(name)
      }
    }
  })

  it('keeps HA off by default, the UI terminal off always, and Dex out', () => {
    const variables = Object.fromEntries(blocks(module, 'variable'))
    expect(variables.ha_enabled.default).toBe(false)
    expect(variables.server_ingress.default).toEqual({ enabled: false })
    const locals = Object.assign({}, ...module.flatMap((file) => file.locals ?? []))
    expect(locals.argocd_cm).toMatch(/"exec\.enabled"\s*=\s*false/)
    expect(locals.argocd_values.dex).toEqual({ enabled: false })
    expect(locals.argocd_values['redis-ha']).toEqual({ enabled: hclExpression('var.ha_enabled') })
  })

  it('describes every output, including how to reach the UI and the admin password', () => {
    const outputs = blocks(module, 'output')
    expect(outputs.map(([name]) => name).sort()).toEqual([
      'chart_version',
      'initial_admin_password_command',
      'namespace',
      'port_forward_command',
      'release_name',
      'root_application',
      'server_url',
    ])
    for (const [name, output] of outputs) {
      expect(output.description, name).toMatch(/\S/)
    }
  })

  it('has a kind example that uses the module and gives it every variable without a default', () => {
    const [[, call]] = blocks(example, 'module')
    expect(call.source).toBe('../..')
    const required = blocks(module, 'variable')
      .filter(([, variable]) => !('default' in variable))
      .map(([name]) => name)
    expect(required).toEqual(['gitops_repo_url'])
    for (const name of required) expect(call, name).toHaveProperty(name)
    expect(
      readFileSync(join(moduleDir, 'examples', 'kind', 'kind-cluster.yaml'), 'utf8'),
    ).toContain('kind: Cluster')
  })

  it('lists every variable and output in the README tables', () => {
    const readme = readFileSync(join(moduleDir, 'README.md'), 'utf8')
    for (const [name] of [...blocks(module, 'variable'), ...blocks(module, 'output')]) {
      expect(readme, name).toMatch(new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm'))
    }
  })

  it('bootstraps the same root Application as argocd/root.yaml', () => {
    const [root] = readYamlFile(join(repoRoot, 'argocd', 'root.yaml'))
    const template = readFileSync(
      join(moduleDir, 'templates', 'root-application.yaml.tftpl'),
      'utf8',
    )
    const variables: Record<string, string> = {
      name: root.metadata.name,
      namespace: root.metadata.namespace ?? '',
      repo_url: root.spec.source.repoURL,
      revision: root.spec.source.targetRevision,
      path: root.spec.source.path,
    }
    const rendered = template.replace(/\$\{jsonencode\((\w+)\)\}/g, (_match, name: string) => {
      if (!(name in variables)) throw new Error(`template uses unknown variable ${name}`)
      return JSON.stringify(variables[name])
    })
    expect(rendered).not.toContain('${')
    const application = parseYaml(rendered).applications[root.metadata.name]
    expect(application.namespace).toBe(root.metadata.namespace)
    const { namespace: _namespace, additionalLabels, ...spec } = application
    expect(spec).toEqual(root.spec)
    expect(additionalLabels).toEqual(root.metadata.labels)
  })
})

/** terraform or tofu, whichever is on PATH; undefined when neither is. */
async function terraformBinary(): Promise<string | undefined> {
  for (const binary of ['tofu', 'terraform']) {
    try {
      if ((await spawnRunner.run(binary, ['version'], { timeoutMs: 30_000 })).exitCode === 0)
        return binary
    } catch {
      // Not installed; try the next.
    }
  }
  return undefined
}

const binary = await terraformBinary()
const offline = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }

// The registry is out of reach here, so `init` with providers cannot run; these
// checks use only what a Terraform or OpenTofu binary does offline.
describe.skipIf(binary === undefined)(
  `terraform module with ${binary ?? 'no terraform/tofu on PATH'}`,
  () => {
    let work = ''

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'golden-path-tf-'))
    })

    afterAll(() => {
      rmSync(work, { recursive: true, force: true })
    })

    it('is formatted (fmt -check)', async () => {
      const result = await spawnRunner.run(
        binary!,
        ['fmt', '-check', '-recursive', '-no-color', moduleDir],
        {
          env: offline,
        },
      )
      expect(result.stdout, 'files fmt would rewrite').toBe('')
      expect(result.exitCode).toBe(0)
    })

    /** Copies the module's variables and values (no providers needed) into a fresh directory. */
    function valuesWorkspace(name: string): string {
      const dir = join(work, name)
      for (const file of ['variables.tf', 'values.tf', 'templates']) {
        cpSync(join(moduleDir, file), join(dir, file), { recursive: true })
      }
      writeFileSync(
        join(dir, 'outputs.tf'),
        [
          'output "argocd_values" {',
          '  value     = yamlencode(local.argocd_values)',
          '  sensitive = true',
          '}',
          'output "root_app_values" {',
          '  value = local.root_app_values',
          '}',
          '',
        ].join('\n'),
      )
      return dir
    }

    async function evaluate(name: string, vars: string[]): Promise<{ argocd: Hcl; rootApp: Hcl }> {
      const dir = valuesWorkspace(name)
      const args = vars.flatMap((v) => ['-var', v])
      const apply = await spawnRunner.run(
        binary!,
        ['apply', '-auto-approve', '-input=false', '-no-color', ...args],
        { cwd: dir, env: offline, timeoutMs: 60_000 },
      )
      expect(apply.exitCode, apply.stderr).toBe(0)
      const output = await spawnRunner.run(binary!, ['output', '-json'], { cwd: dir, env: offline })
      const values = JSON.parse(output.stdout)
      return {
        argocd: parseYaml(values.argocd_values.value),
        rootApp: parseYaml(values.root_app_values.value),
      }
    }

    it.each([
      ['namespace=Not_A_Label', 'namespace must be a DNS-1123 label'],
      ['chart_version=~> 10.0', 'chart_version must be an exact version'],
      ['admin_password_bcrypt=hunter2', 'admin_password_bcrypt must be a bcrypt hash'],
      ['server_ingress={enabled=true}', 'server_ingress.host must be a fully qualified DNS name'],
      ['root_app_path=../elsewhere', 'root_app_path must be relative'],
      ['gitops_repo_url=ftp://example.com/repo', 'gitops_repo_url must start with'],
      ['timeout_seconds=5', 'timeout_seconds must be between 60 and 3600'],
    ])('rejects %s with a message naming the variable', async (assignment, message) => {
      const dir = valuesWorkspace(`reject-${assignment.split('=')[0]}`)
      const args = [
        '-var',
        'gitops_repo_url=https://git.example.com/gitops.git',
        '-var',
        assignment,
      ]
      const plan = await spawnRunner.run(binary!, ['plan', '-input=false', '-no-color', ...args], {
        cwd: dir,
        env: offline,
        timeoutMs: 60_000,
      })
      expect(plan.exitCode).not.toBe(0)
      expect(plan.stderr.replace(/\s+/g, ' ')).toContain(message)
    })

    it.each([
      'https://git.example.com/gitops.git',
      'ssh://git@git.example.com/gitops.git',
      'git@git.example.com:org/gitops.git',
      'git://172.18.0.1:9418/gitops.git',
    ])('accepts the GitOps repository URL %s', async (url) => {
      const dir = valuesWorkspace(`accept-${url.replace(/\W+/g, '-')}`)
      const plan = await spawnRunner.run(
        binary!,
        ['plan', '-input=false', '-no-color', '-var', `gitops_repo_url=${url}`],
        { cwd: dir, env: offline, timeoutMs: 60_000 },
      )
      expect(plan.stderr).not.toContain('Error')
      expect(plan.exitCode).toBe(0)
    })

    it('computes single-replica values with the terminal off and no ingress by default', async () => {
      const { argocd } = await evaluate('defaults', [
        'gitops_repo_url=https://git.example.com/gitops.git',
      ])
      expect(argocd.configs.cm).toEqual({ 'exec.enabled': false, 'admin.enabled': true })
      expect(argocd.configs.secret).toEqual({})
      expect(argocd['redis-ha'].enabled).toBe(false)
      expect([
        argocd.server.replicas,
        argocd.repoServer.replicas,
        argocd.applicationSet.replicas,
      ]).toEqual([1, 1, 1])
      expect(argocd.server.ingress.enabled).toBe(false)
      expect(argocd.configs.params['server.insecure']).toBe(false)
    })

    it('turns on HA, the ingress, SSO and a fixed admin password when asked', async () => {
      const hash = `$2a$10$${'a'.repeat(53)}`
      const { argocd } = await evaluate('everything', [
        'gitops_repo_url=https://git.example.com/gitops.git',
        'ha_enabled=true',
        'server_ingress={enabled=true,host="cd.example.com"}',
        'oidc_config=issuer: https://sso.example.com',
        'admin_enabled=false',
        `admin_password_bcrypt=${hash}`,
      ])
      expect(argocd['redis-ha'].enabled).toBe(true)
      expect(argocd.server.replicas).toBe(2)
      expect(argocd.server.ingress).toMatchObject({
        enabled: true,
        hostname: 'cd.example.com',
        tls: true,
      })
      expect(argocd.configs.params['server.insecure']).toBe(true)
      expect(argocd.configs.cm).toEqual({
        'exec.enabled': false,
        'admin.enabled': false,
        url: 'https://cd.example.com',
        'oidc.config': 'issuer: https://sso.example.com',
      })
      expect(argocd.configs.secret).toEqual({ argocdServerAdminPassword: hash })
    })

    it('renders the root Application exactly as argocd/root.yaml declares it', async () => {
      const [root] = readYamlFile(join(repoRoot, 'argocd', 'root.yaml'))
      const { rootApp } = await evaluate('root', [
        `gitops_repo_url=${root.spec.source.repoURL}`,
        `gitops_revision=${root.spec.source.targetRevision}`,
        `root_app_path=${root.spec.source.path}`,
        `root_app_name=${root.metadata.name}`,
        `namespace=${root.metadata.namespace}`,
      ])
      const { namespace, additionalLabels, ...spec } = rootApp.applications[root.metadata.name]
      expect(namespace).toBe(root.metadata.namespace)
      expect(additionalLabels).toEqual(root.metadata.labels)
      expect(spec).toEqual(root.spec)
    })
  },
)
