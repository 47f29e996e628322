import { describe, expect, it } from 'vitest'
import { noTestCommandMessage, resolveTestCommand } from '../../actions/lib/delivery/test-command'

describe('which command tests a service', () => {
  it.each([
    [['package.json', 'Dockerfile'], undefined, 'npm ci && npm test', 'node'],
    [['package.json'], 'typecheck', 'npm ci && npm run typecheck', 'node'],
    [['go.mod', 'go.sum', 'main.go'], undefined, 'go test ./...', 'go'],
    [['pyproject.toml'], undefined, 'python -m pytest', 'python'],
    [['requirements.txt', 'app.py'], undefined, 'python -m pytest', 'python'],
    [['pom.xml'], undefined, 'mvn -B verify', 'java'],
    [['build.gradle'], undefined, './gradlew test', 'java'],
    [['build.gradle.kts', 'settings.gradle.kts'], undefined, './gradlew test', 'java'],
    [['Cargo.toml', 'Cargo.lock'], undefined, 'cargo test', 'rust'],
    // A Node front end beside a Go module: package.json comes first, as in the workflows.
    [['go.mod', 'package.json'], undefined, 'npm ci && npm test', 'node'],
    // --test-script means nothing to a Go service.
    [['go.mod'], 'lint', 'go test ./...', 'go'],
  ] as const)('%j (npm script %s) → %s', (files, npmScript, command, toolchain) => {
    expect(resolveTestCommand({ files, npmScript })).toEqual({
      command,
      toolchain,
      reason: expect.any(String),
    })
  })

  it('says which file decided', () => {
    expect(resolveTestCommand({ files: ['requirements.txt'] })?.reason).toBe('requirements.txt')
  })

  it('runs the explicit command whatever the files say', () => {
    expect(
      resolveTestCommand({ explicit: 'make check', files: ['package.json', 'go.mod'] }),
    ).toEqual({ command: 'make check', toolchain: 'none', reason: '--test-command' })
  })

  it('finds nothing in a directory with no build file, and the message names --test-command', () => {
    expect(resolveTestCommand({ files: ['Dockerfile', 'README.md'] })).toBeUndefined()
    expect(noTestCommandMessage('svc')).toBe(
      "cannot tell how to test 'svc': none of package.json, go.mod, pyproject.toml, requirements.txt, pom.xml, build.gradle, build.gradle.kts, Cargo.toml is there; pass --test-command CMD (run with sh -c in the service directory)",
    )
  })
})
