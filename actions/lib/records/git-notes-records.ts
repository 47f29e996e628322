import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { UsageError } from '../errors'
import type { Clock, CommandResult, CommandRunner, Logger } from '../ports'
import { backoffDelay, defaultMaxAttempts } from '../writeback/bump-images'
import { classifyPushFailure } from '../writeback/git-cli'
import { WriteBackFailure } from '../writeback/write-back-failure'
import { type DeliveryRecord, recordNotesRef } from './delivery-record'

/** One note read from the notes ref: the commit it annotates and its parsed JSON (or why not). */
export interface StoredNote {
  commit: string
  record?: unknown
  error?: string
}

export interface RecordStorePorts {
  runner: CommandRunner
  clock: Clock
  logger: Logger
  /** A number in [0, 1): the jitter of the retry backoff. */
  random: () => number
  env?: NodeJS.ProcessEnv
}

export interface RecordStoreOptions {
  /** Sent as HTTP basic auth to https remotes, through git's environment configuration. */
  token?: string
  maxAttempts?: number
  /** Base directory of a relative repository path. */
  cwd?: string
}

export interface RecordWriteResult {
  written: boolean
  attempts: number
  record?: DeliveryRecord
}

/** The identity of the notes commits; the record itself says who delivered what. */
const notesAuthor = {
  GIT_AUTHOR_NAME: 'golden-path',
  GIT_AUTHOR_EMAIL: 'golden-path@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'golden-path',
  GIT_COMMITTER_EMAIL: 'golden-path@users.noreply.github.com',
}

const commitPattern = /^[0-9a-f]{40}$/

/**
 * Delivery records as git notes under refs/notes/golden-path of a GitOps repository
 * (a URL, a bare repository or a checkout). Notes never move a branch, so Argo CD's
 * revision is untouched. A write fetches the notes ref, adds the note, and pushes
 * without force; a push that loses the race is retried on the newly fetched ref, so a
 * concurrent writer's notes are kept (notes of different commits never conflict).
 */
export class GitNotesRecordStore {
  private readonly env: NodeJS.ProcessEnv
  private location: string
  private local: boolean
  private resolved = false

  constructor(
    readonly repository: string,
    private readonly ports: RecordStorePorts,
    private readonly options: RecordStoreOptions = {},
  ) {
    const candidate = resolve(options.cwd ?? process.cwd(), repository)
    this.local = isAbsolute(repository) || existsSync(candidate)
    this.location = this.local ? candidate : repository
    const config: [string, string][] = [
      ['maintenance.auto', 'false'],
      ['gc.auto', '0'],
    ]
    if (options.token && /^https?:\/\//i.test(repository)) {
      const basic = Buffer.from(`x-access-token:${options.token}`).toString('base64')
      config.push(['http.extraheader', `AUTHORIZATION: basic ${basic}`])
    }
    this.env = {
      ...(ports.env ?? process.env),
      ...notesAuthor,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: String(config.length),
      ...Object.fromEntries(
        config.flatMap(([key, value], index) => [
          [`GIT_CONFIG_KEY_${index}`, key],
          [`GIT_CONFIG_VALUE_${index}`, value],
        ]),
      ),
    }
  }

  private run(args: readonly string[], input?: string): Promise<CommandResult> {
    return this.ports.runner.run('git', args, { env: this.env, input })
  }

  private async git(args: readonly string[], input?: string): Promise<string> {
    const result = await this.run(args, input)
    if (result.exitCode !== 0) {
      throw new Error(`git ${args[2] ?? args[0]} failed: ${lastLine(result.stderr)}`)
    }
    return result.stdout
  }

  /**
   * A checkout stands for the repository it was cloned from, as bump treats it: records
   * are read from and pushed to its origin, where Argo CD and every other writer see them.
   * A bare repository, or a checkout without an origin, is used as it is.
   */
  private async resolveLocation(): Promise<void> {
    if (this.resolved || !this.local) return
    this.resolved = true
    const bare = await this.run(['-C', this.location, 'rev-parse', '--is-bare-repository'])
    if (bare.exitCode !== 0 || bare.stdout.trim() === 'true') return
    const origin = await this.run(['-C', this.location, 'remote', 'get-url', 'origin'])
    if (origin.exitCode !== 0 || origin.stdout.trim() === '') return
    const url = origin.stdout.trim()
    const relative =
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url) && !isAbsolute(url)
    this.location = relative ? resolve(this.location, url) : url
    this.local = existsSync(this.location)
  }

  /** A scratch bare repository holding the remote's notes ref (or none, when it has none yet). */
  private async fetchNotes(scratch: string): Promise<void> {
    const fetched = await this.run([
      '-C',
      scratch,
      'fetch',
      '--quiet',
      '--no-tags',
      '--',
      this.location,
      `+${recordNotesRef}:${recordNotesRef}`,
    ])
    if (fetched.exitCode === 0) return
    if (/couldn't find remote ref/i.test(fetched.stderr)) {
      await this.git(['-C', scratch, 'update-ref', '-d', recordNotesRef])
      return
    }
    throw new UsageError(
      `cannot read ${recordNotesRef} of ${redact(this.repository)}: ${redact(lastLine(fetched.stderr))}`,
    )
  }

  /**
   * Every note under the ref, in two git processes whatever their number: `notes list`
   * names the note blobs, one `cat-file --batch` prints them all.
   */
  async readAll(): Promise<StoredNote[]> {
    await this.resolveLocation()
    let gitDir: string
    let scratch: string | undefined
    if (this.local) {
      const probe = await this.run(['-C', this.location, 'rev-parse', '--git-dir'])
      if (probe.exitCode !== 0) {
        throw new UsageError(
          `${this.repository} is not a git repository (give a URL, a bare repository or a checkout)`,
        )
      }
      gitDir = this.location
    } else {
      scratch = await mkdtemp(join(tmpdir(), 'golden-path-records-'))
      gitDir = scratch
      await this.git(['init', '--quiet', '--bare', scratch])
      await this.fetchNotes(scratch)
    }
    try {
      return await readNotes(gitDir, (args, input) => this.run(args, input))
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true })
    }
  }

  /**
   * When a GitOps commit was made (its committer time, RFC 3339): the moment a delivery
   * changed the environment, for writers that know no earlier start.
   */
  async commitTime(commit: string): Promise<string> {
    await this.resolveLocation()
    const scratch = await mkdtemp(join(tmpdir(), 'golden-path-records-'))
    try {
      await this.git(['init', '--quiet', '--bare', scratch])
      const fetched = await this.run([
        '-C',
        scratch,
        'fetch',
        '--quiet',
        '--depth=1',
        '--no-tags',
        '--',
        this.location,
        commit,
      ])
      if (fetched.exitCode !== 0) {
        throw new UsageError(
          `cannot fetch commit ${commit} of ${redact(this.repository)}: ${redact(lastLine(fetched.stderr))}`,
        )
      }
      return (await this.git(['-C', scratch, 'show', '--no-patch', '--format=%cI', commit])).trim()
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  }

  /** Writes (or replaces) the record on its GitOps commit. */
  write(record: DeliveryRecord): Promise<RecordWriteResult> {
    return this.update(record.gitops.commit, () => record)
  }

  /**
   * Reads the note on `commit` from the freshly fetched ref, lets `change` decide the
   * new record (undefined: write nothing) and pushes it; on a lost race, again from the
   * newer ref, so the decision always sees the latest record.
   */
  async update(
    commit: string,
    change: (current: DeliveryRecord | undefined) => DeliveryRecord | undefined,
  ): Promise<RecordWriteResult> {
    if (!commitPattern.test(commit)) {
      throw new UsageError(`'${commit}' is not a full 40-character commit id`)
    }
    await this.resolveLocation()
    const maxAttempts = this.options.maxAttempts ?? defaultMaxAttempts
    const scratch = await mkdtemp(join(tmpdir(), 'golden-path-records-'))
    try {
      await this.git(['init', '--quiet', '--bare', scratch])
      let started = this.ports.clock.now()
      for (let attempt = 1; ; attempt++) {
        await this.fetchNotes(scratch)
        const shown = await this.run([
          '-C',
          scratch,
          'notes',
          '--ref',
          recordNotesRef,
          'show',
          commit,
        ])
        const current = shown.exitCode === 0 ? parseRecord(shown.stdout) : undefined
        const next = change(current)
        if (next === undefined) return { written: false, attempts: attempt }
        await this.git(
          ['-C', scratch, 'notes', '--ref', recordNotesRef, 'add', '--force', '--file=-', commit],
          `${JSON.stringify(next)}\n`,
        )
        const pushed = await this.run([
          '-C',
          scratch,
          'push',
          '--porcelain',
          '--quiet',
          '--',
          this.location,
          `${recordNotesRef}:${recordNotesRef}`,
        ])
        if (pushed.exitCode === 0) {
          this.ports.logger.info(
            `record of ${commit.slice(0, 12)} written to ${recordNotesRef} (attempt ${attempt})`,
          )
          return { written: true, attempts: attempt, record: next }
        }
        const outcome = classifyPushFailure(pushed.stdout, pushed.stderr)
        if (outcome.kind === 'rejected' || attempt >= maxAttempts) {
          throw new WriteBackFailure(
            `cannot push ${recordNotesRef} to ${redact(this.repository)}${outcome.kind === 'stale' ? ` after ${attempt} attempts` : ''}: ${redact(outcome.kind === 'pushed' ? '' : outcome.message)}`,
          )
        }
        const delay = backoffDelay(attempt, this.ports.clock.now() - started, this.ports.random)
        this.ports.logger.info(
          `${recordNotesRef} moved; adding the record again on the new tip in ${delay} ms`,
        )
        await this.ports.clock.sleep(delay)
        started = this.ports.clock.now()
      }
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  }
}

function parseRecord(text: string): DeliveryRecord | undefined {
  try {
    const value = JSON.parse(text)
    return value !== null && typeof value === 'object' ? (value as DeliveryRecord) : undefined
  } catch {
    return undefined
  }
}

async function readNotes(
  gitDir: string,
  run: (args: readonly string[], input?: string) => Promise<CommandResult>,
): Promise<StoredNote[]> {
  const listed = await run(['-C', gitDir, 'notes', '--ref', recordNotesRef, 'list'])
  if (listed.exitCode !== 0) {
    throw new UsageError(`cannot list ${recordNotesRef}: ${lastLine(listed.stderr)}`)
  }
  const pairs = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ') as [string, string])
  if (pairs.length === 0) return []
  const batch = await run(
    ['-C', gitDir, 'cat-file', '--batch', '--buffer'],
    `${pairs.map(([blob]) => blob).join('\n')}\n`,
  )
  if (batch.exitCode !== 0) {
    throw new UsageError(`cannot read the notes of ${recordNotesRef}: ${lastLine(batch.stderr)}`)
  }
  // Sizes in the batch headers count bytes: walk the output as bytes, not characters.
  const bytes = Buffer.from(batch.stdout, 'utf8')
  const notes: StoredNote[] = []
  let offset = 0
  for (const [, commit] of pairs) {
    const end = bytes.indexOf(10, offset)
    if (end < 0) break
    const header = bytes.toString('utf8', offset, end).split(' ')
    const size = Number(header[2])
    if (header[1] !== 'blob' || !Number.isInteger(size)) {
      notes.push({ commit, error: `unreadable note (${header.join(' ')})` })
      offset = end + 1
      continue
    }
    const text = bytes.toString('utf8', end + 1, end + 1 + size)
    offset = end + 1 + size + 1
    try {
      notes.push({ commit, record: JSON.parse(text) })
    } catch {
      notes.push({ commit, error: 'note is not JSON' })
    }
  }
  return notes
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? ''
}

/** URL userinfo never reaches a message. */
function redact(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1')
}
