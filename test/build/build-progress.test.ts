import { describe, expect, it } from 'vitest'
import {
  createBuildProgress,
  type ProgressScheduler,
  stepLine,
  useColor,
} from '../../actions/lib/build/build-progress'
import { spawnRunner } from '../../actions/lib/ports'

/** A scheduler whose time moves only when the test says so. */
function manualScheduler() {
  let now = 0
  const ticks: { ms: number; tick: () => void; next: number }[] = []
  const scheduler: ProgressScheduler = {
    every(ms, tick) {
      const entry = { ms, tick, next: now + ms }
      ticks.push(entry)
      return () => ticks.splice(ticks.indexOf(entry), 1)
    },
    now: () => now,
  }
  const advance = (ms: number) => {
    const until = now + ms
    for (;;) {
      const due = ticks.filter((entry) => entry.next <= until).sort((a, b) => a.next - b.next)[0]
      if (!due) break
      now = due.next
      due.next += due.ms
      due.tick()
    }
    now = until
  }
  return { scheduler, advance, active: () => ticks.length }
}

const buildahOutput = [
  'STEP 1/9: FROM localhost/golden-path/standin-node-build:24 AS dependencies',
  'STEP 2/9: WORKDIR /app',
  '--> Using cache 3f1e',
  'STEP 3/9: RUN npm ci --no-audit',
  'added 55 packages in 3s',
  '',
].join('\n')

describe('build progress', () => {
  it.each([
    ['STEP 3/9: RUN npm ci', 'STEP 3/9: RUN npm ci'],
    // A multi-stage build: buildah prefixes the stage.
    ['[2/4] STEP 3/3: RUN npm run build', '[2/4] STEP 3/3: RUN npm run build'],
    ['#7 [build 2/4] RUN npm ci  ', '#7 [build 2/4] RUN npm ci'],
    ['added 55 packages in 3s', undefined],
    ['#7 0.512 npm warn deprecated', undefined],
  ])('%j is a step line: %j', (line, step) => {
    expect(stepLine(line)).toBe(step)
  })

  it('streams the step lines on a terminal, split however the output arrives, and nothing else', () => {
    const lines: string[] = []
    const { scheduler, advance, active } = manualScheduler()
    const progress = createBuildProgress({
      tty: true,
      color: false,
      write: (line) => lines.push(line),
      scheduler,
    })
    for (let at = 0; at < buildahOutput.length; at += 7)
      progress.output(buildahOutput.slice(at, at + 7))
    advance(120_000)
    progress.stop()
    expect(lines).toEqual([
      'STEP 1/9: FROM localhost/golden-path/standin-node-build:24 AS dependencies',
      'STEP 2/9: WORKDIR /app',
      'STEP 3/9: RUN npm ci --no-audit',
    ])
    expect(active()).toBe(0)
  })

  it('colours only the step marker when colour is on', () => {
    const lines: string[] = []
    const progress = createBuildProgress({
      tty: true,
      color: true,
      write: (line) => lines.push(line),
      scheduler: manualScheduler().scheduler,
    })
    progress.output('STEP 2/9: WORKDIR /app\n')
    expect(lines).toEqual(['\u001b[1;36mSTEP 2/9\u001b[0m: WORKDIR /app'])
  })

  it('prints a heartbeat naming the last step off a terminal, and stops with the build', () => {
    const lines: string[] = []
    const { scheduler, advance, active } = manualScheduler()
    const progress = createBuildProgress({
      tty: false,
      color: false,
      write: (line) => lines.push(line),
      scheduler,
      heartbeatMs: 30_000,
    })
    advance(30_000)
    progress.output(buildahOutput)
    advance(60_000)
    progress.stop()
    advance(60_000)
    expect(lines).toEqual([
      'still building (30s)',
      'still building (1m00s, at STEP 3/9: RUN npm ci --no-audit)',
      'still building (1m30s, at STEP 3/9: RUN npm ci --no-audit)',
    ])
    expect(active()).toBe(0)
  })

  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
  ] as const)('colour on a terminal %s with %j: %s', (tty, env, expected) => {
    expect(useColor(tty, env)).toBe(expected)
  })

  it('hands a running program its output as it arrives, and still collects all of it', async () => {
    const seen: string[] = []
    const result = await spawnRunner.run(
      'sh',
      ['-c', 'echo "STEP 1/2: FROM scratch"; sleep 0.2; echo "STEP 2/2: COPY x /x" >&2'],
      { onOutput: (text) => seen.push(text) },
    )
    expect(seen.join('')).toBe('STEP 1/2: FROM scratch\nSTEP 2/2: COPY x /x\n')
    expect(seen.length).toBeGreaterThanOrEqual(2)
    expect(result.stdout).toBe('STEP 1/2: FROM scratch\n')
  })
})
