import { readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../errors'
import type { CommandRunner, Logger } from '../ports'
import { CommandNotFoundError } from '../ports'

/**
 * What a registry is logged in with. Either a username and password (or token
 * used as one), or an OAuth2 identity (refresh) token as `docker login` stores
 * for registries such as ACR. `source` says where it was found, for messages;
 * it never holds the secret.
 */
export interface RegistryCredential {
  username?: string
  password?: string
  identityToken?: string
  source: string
}

/** Given on the command line: --username plus --password-stdin. */
export interface ExplicitCredential {
  username?: string
  password?: string
}

export interface CredentialLookup {
  env: NodeJS.ProcessEnv
  runner: CommandRunner
  logger: Logger
  /** Home directory for ~/.docker/config.json; default os.homedir(). */
  homeDir?: string
  explicit?: ExplicitCredential
}

/** One file credentials are read from, in the order container tools consult them. */
export interface AuthFileLocation {
  path: string
  /** The variable or convention that names it, for messages. */
  origin: string
}

/**
 * The auth files, in the order podman/buildah/skopeo (containers-auth.json(5))
 * and then the docker CLI read them. A file that does not exist is skipped.
 */
export function authFileLocations(
  env: NodeJS.ProcessEnv,
  homeDir = env.HOME || homedir(),
): AuthFileLocation[] {
  const locations: AuthFileLocation[] = []
  if (env.REGISTRY_AUTH_FILE)
    locations.push({ path: env.REGISTRY_AUTH_FILE, origin: 'REGISTRY_AUTH_FILE' })
  if (env.XDG_RUNTIME_DIR) {
    locations.push({
      path: join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'),
      origin: '$XDG_RUNTIME_DIR/containers/auth.json',
    })
  }
  if (env.DOCKER_CONFIG) {
    locations.push({
      path: join(env.DOCKER_CONFIG, 'config.json'),
      origin: '$DOCKER_CONFIG/config.json',
    })
  }
  locations.push({
    path: join(homeDir, '.docker', 'config.json'),
    origin: '~/.docker/config.json',
  })
  return locations
}

interface AuthEntry {
  auth?: string
  username?: string
  password?: string
  identitytoken?: string
}

interface AuthFile {
  auths?: Record<string, AuthEntry>
  credHelpers?: Record<string, string>
  credsStore?: string
}

// Docker Hub is stored under its legacy v1 URL by `docker login`.
const dockerHubNames = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
])

/** The registry host a config key names: keys may carry a scheme and a path (`https://host/v1/`). */
export function normalizeRegistryKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '')
  const host = withoutScheme.split('/')[0]!.toLowerCase()
  return dockerHubNames.has(host) ? 'docker.io' : host
}

/**
 * The entry for `repository` in an `auths` map: the most specific key wins, a
 * key may name a namespace (`quay.io/org`, containers-auth.json) or the host.
 */
function matchingEntry(
  auths: Record<string, AuthEntry>,
  registry: string,
  repository: string,
): [string, AuthEntry] | undefined {
  const host = normalizeRegistryKey(registry)
  let best: [string, AuthEntry, number] | undefined
  for (const [key, entry] of Object.entries(auths)) {
    const withoutScheme = key.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '')
    const keyHost = normalizeRegistryKey(withoutScheme)
    if (keyHost !== host) continue
    const keyPath = withoutScheme.split('/').slice(1).join('/')
    // Docker's "/v1/" suffix is an API path, not a namespace.
    const namespace = /^v[12]$/.test(keyPath) ? '' : keyPath
    const repositoryPath = repository.split('/').slice(1).join('/')
    if (namespace && repositoryPath !== namespace && !repositoryPath.startsWith(`${namespace}/`))
      continue
    if (!best || namespace.length > best[2]) best = [key, entry, namespace.length]
  }
  return best ? [best[0], best[1]] : undefined
}

function decodeEntry(entry: AuthEntry, source: string): RegistryCredential | undefined {
  if (entry.identitytoken) {
    return { identityToken: entry.identitytoken, username: entry.username, source }
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0)
      throw new UsageError(`${source}: the 'auth' value is not base64 of user:password`)
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source }
  }
  if (entry.username && entry.password) {
    return { username: entry.username, password: entry.password, source }
  }
  return undefined
}

async function readAuthFile(location: AuthFileLocation): Promise<AuthFile | undefined> {
  let text: string
  try {
    text = await readFile(location.path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new UsageError(`cannot read ${location.origin} (${location.path}): ${code}`)
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error()
    return parsed as AuthFile
  } catch {
    throw new UsageError(
      `${location.origin} (${location.path}) is not valid JSON; fix it or log in again`,
    )
  }
}

/**
 * Asks a credential helper with the docker-credential-helpers protocol:
 * `docker-credential-<name> get`, the server on stdin, JSON
 * {ServerURL, Username, Secret} on stdout. Username "<token>" marks an identity token.
 */
async function askHelper(
  helper: string,
  registry: string,
  lookup: CredentialLookup,
): Promise<RegistryCredential | undefined> {
  const program = `docker-credential-${helper}`
  const source = `credential helper ${program}`
  let result: Awaited<ReturnType<CommandRunner['run']>>
  try {
    result = await lookup.runner.run(program, ['get'], {
      input: `${registry}\n`,
      env: lookup.env,
      timeoutMs: 30_000,
    })
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      lookup.logger.warning(`${program} is named for ${registry} but is not installed; skipping it`)
      return undefined
    }
    throw error
  }
  // "credentials not found in native keychain" is the protocol's answer for no entry.
  if (result.exitCode !== 0) return undefined
  let answer: { Username?: string; Secret?: string }
  try {
    answer = JSON.parse(result.stdout) as { Username?: string; Secret?: string }
  } catch {
    // The output may contain the secret: it is not echoed.
    throw new UsageError(`${program} get answered something that is not JSON for ${registry}`)
  }
  if (!answer.Secret) return undefined
  if (answer.Username === '<token>') return { identityToken: answer.Secret, source }
  return { username: answer.Username, password: answer.Secret, source }
}

async function fromFile(
  file: AuthFile,
  location: AuthFileLocation,
  registry: string,
  repository: string,
  lookup: CredentialLookup,
): Promise<RegistryCredential | undefined> {
  const host = normalizeRegistryKey(registry)
  // The docker CLI order: a per-registry helper, then the default store, then inline auths.
  const helperEntry = Object.entries(file.credHelpers ?? {}).find(
    ([key]) => normalizeRegistryKey(key) === host,
  )
  const serverName = host === 'docker.io' ? 'https://index.docker.io/v1/' : registry
  if (helperEntry) {
    const found = await askHelper(helperEntry[1], serverName, lookup)
    if (found) return found
  }
  if (file.credsStore) {
    const found = await askHelper(file.credsStore, serverName, lookup)
    if (found) return found
  }
  const entry = matchingEntry(file.auths ?? {}, registry, repository)
  return entry ? decodeEntry(entry[1], `${location.origin} (${entry[0]})`) : undefined
}

/**
 * REGISTRY_USERNAME and REGISTRY_PASSWORD, for a CI job or script that has a token in its
 * environment and no login: both or neither.
 */
function environmentCredential(env: NodeJS.ProcessEnv): RegistryCredential | undefined {
  const username = env.REGISTRY_USERNAME
  const password = env.REGISTRY_PASSWORD
  if (!username && !password) return undefined
  if (!username || !password) {
    throw new UsageError('set both REGISTRY_USERNAME and REGISTRY_PASSWORD, or neither')
  }
  return { username, password, source: 'REGISTRY_USERNAME/REGISTRY_PASSWORD' }
}

/**
 * The credential for a registry: --username/--password-stdin when given (what
 * the user typed wins), else REGISTRY_USERNAME/REGISTRY_PASSWORD, else the first
 * of the auth files that has an entry for the registry (a credential helper it
 * names included). Undefined when nothing is found: the registry may not need any.
 */
export async function resolveRegistryCredential(
  repository: string,
  lookup: CredentialLookup,
): Promise<RegistryCredential | undefined> {
  const registry = registryOf(repository)
  const explicit = lookup.explicit
  if (explicit?.username !== undefined || explicit?.password !== undefined) {
    if (!explicit.username || !explicit.password) {
      throw new UsageError('give both --username and --password-stdin, or neither')
    }
    return { username: explicit.username, password: explicit.password, source: '--username' }
  }
  const fromEnvironment = environmentCredential(lookup.env)
  if (fromEnvironment) return fromEnvironment
  for (const location of authFileLocations(lookup.env, lookup.homeDir)) {
    const file = await readAuthFile(location)
    if (!file) continue
    const found = await fromFile(file, location, registry, repository, lookup)
    if (found) return found
  }
  return undefined
}

/** The registry host of a repository, as container tools resolve it (docker.io by default). */
export function registryOf(repository: string): string {
  const first = repository.split('/')[0]!
  const isHost =
    repository.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
  return isHost ? first : 'docker.io'
}

/** The ways to log in, for the one line printed when a registry wants credentials. */
export function loginHint(registry: string): string {
  return `log in with 'docker login ${registry}' or 'podman login ${registry}' (or set REGISTRY_AUTH_FILE to an auth.json), set REGISTRY_USERNAME and REGISTRY_PASSWORD, or pass --username USER --password-stdin where the command takes it`
}

/**
 * Writes the credential as a containers auth.json (mode 0600) for skopeo's
 * --authfile, so that no secret ever reaches a process's argument list.
 */
export async function writeAuthFile(
  path: string,
  registry: string,
  credential: RegistryCredential,
): Promise<void> {
  const entry: AuthEntry = credential.identityToken
    ? {
        identitytoken: credential.identityToken,
        ...(credential.username ? { username: credential.username } : {}),
      }
    : { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') }
  await writeFile(path, JSON.stringify({ auths: { [registry]: entry } }), { mode: 0o600 })
}
