import { execFileSync } from 'node:child_process'
import { symlinkSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { validateText, workspace } from './validate-harness'

const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\ndata: {a: b}\n'

async function cli(args: string[], { stdin = Buffer.alloc(0) as Buffer | string, cwd = '/' } = {}) {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const code = await main(['validate', '--policy', 'none', ...args], {
    stdout: sink((text) => {
      stdout += text
    }),
    stderr: sink((text) => {
      stderr += text
    }),
    stdin: Readable.from([stdin]),
    env: {},
    cwd,
  })
  return { code, stdout, stderr }
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function area(files: Record<string, string> = {}) {
  const made = workspace(files)
  cleanups.push(made.cleanup)
  return made.dir
}

/** The report's finding lines under one file's heading. */
function linesFor(stdout: string, file: string): string[] {
  const lines = stdout.split('\n')
  const heading = lines.findIndex((line) => line.endsWith(file))
  if (heading === -1) return []
  const end = lines.indexOf('', heading)
  return lines.slice(heading + 1, end).map((line) => line.trim().replace(/\s+/g, ' '))
}

describe('validate reads only regular files, and never more than its limit', () => {
  it('refuses a symlink to /dev/zero at once with exit 2 and one line naming it', async () => {
    const dir = area({ 'good.yaml': good })
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'))
    const started = Date.now()
    const result = await cli(['.'], { cwd: dir })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result.code).toBe(2)
    expect(linesFor(result.stdout, 'zero.yaml')).toEqual([
      '1:1 error unreadable-input document: is a device, not a regular file; only regular files are validated',
    ])
  })

  it('refuses a FIFO without opening it (which would block) with exit 2', async () => {
    const dir = area({ 'good.yaml': good })
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')])
    const result = await cli(['.'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(linesFor(result.stdout, 'pipe.yaml')).toEqual([
      '1:1 error unreadable-input document: is a named pipe (FIFO), not a regular file; only regular files are validated',
    ])
  })

  it('refuses a socket named like a manifest with exit 2', async () => {
    const dir = area({ 'good.yaml': good })
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(join(dir, 'socket.yaml'), resolve))
    cleanups.push(() => server.close())
    const result = await cli(['socket.yaml'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(linesFor(result.stdout, 'socket.yaml')).toEqual([
      '1:1 error unreadable-input document: is a socket, not a regular file; only regular files are validated',
    ])
  })
})

describe('stdin is read like a file', () => {
  it('drops a byte order mark', async () => {
    const result = await cli(['-'], { stdin: `\ufeff${good}` })
    expect(result.code).toBe(0)
  })

  it.each([
    [
      'invalid UTF-8',
      Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
      /^golden-path validate: stdin is not valid UTF-8\n$/,
    ],
    [
      'binary input',
      Buffer.concat([Buffer.from(good), Buffer.from([0, 1, 2, 0])]),
      /^golden-path validate: stdin is binary/,
    ],
  ])('refuses %s with exit 2 and one line', async (_label, stdin, message) => {
    const result = await cli(['-'], { stdin })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.split('\n')).toHaveLength(2)
    expect(result.stdout).toBe('')
  })

  it('stops reading stdin past the input limit and refuses it', async () => {
    // An endless stream: the reader must stop on its own.
    let sent = 0
    const chunk = Buffer.alloc(1024 * 1024, 0x61)
    const endless = new Readable({
      read() {
        sent += chunk.length
        this.push(chunk)
      },
    })
    let stderr = ''
    const code = await main(['validate', '-'], {
      stdout: new Writable({ write: (_c, _e, done) => done() }),
      stderr: new Writable({
        write(text, _encoding, done) {
          stderr += String(text)
          done()
        },
      }),
      stdin: endless,
      env: {},
      cwd: '/',
    })
    expect(code).toBe(2)
    expect(stderr).toMatch(/stdin is larger than 64 MB/)
    expect(sent).toBeLessThan(80 * 1024 * 1024)
  })
})

describe('duplicate keys are found in one pass', () => {
  it('reports 1,000 duplicate keys of a 0.9 MB document in one pass (it took 54 s when re-read per key)', async () => {
    const value = 'x'.repeat(440)
    let data = ''
    for (let index = 0; index < 1000; index++) data += `  key-${index}: "${value}"\n`
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dupes}\ndata:\n${data}${data}`
    expect(text.length).toBeGreaterThan(0.85 * 1024 * 1024)
    // Loads the schemas first, so the timing is the document's alone.
    await validateText(good)
    const started = Date.now()
    const report = await validateText(text)
    const elapsed = Date.now() - started
    const findings = report.resources[0]!.findings
    expect(findings).toHaveLength(1000)
    expect(findings[0]).toMatchObject({
      rule: 'duplicate-key',
      message: "duplicate key 'key-0'",
      line: 1005,
      column: 3,
    })
    expect(findings[999]).toMatchObject({ message: "duplicate key 'key-999'", line: 2004 })
    // Generous for a loaded machine: linear work takes about a tenth of it.
    expect(elapsed).toBeLessThan(2_000)
  })
})
