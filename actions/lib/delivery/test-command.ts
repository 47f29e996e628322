/**
 * Which command tests a service, decided from the files at its root. The same rule
 * serves `golden-path deliver --local` and the reusable workflows, so a team that
 * gives no test command gets the same tests locally and in CI.
 */

/** A toolchain a service's tests need, as the workflows name their setup inputs. */
export type Toolchain = 'node' | 'go' | 'python' | 'java' | 'rust' | 'none'

export interface TestCommand {
  /** Run with `sh -c` in the service directory. */
  command: string
  toolchain: Toolchain
  /** Why this command: the file that decided it, or `--test-command`. */
  reason: string
}

/** The build files looked for, in order: the first one present decides. */
export const testCommandRules: readonly {
  files: readonly string[]
  toolchain: Toolchain
  command: (npmScript: string) => string
}[] = [
  {
    files: ['package.json'],
    toolchain: 'node',
    command: (script) => (script === 'test' ? 'npm ci && npm test' : `npm ci && npm run ${script}`),
  },
  { files: ['go.mod'], toolchain: 'go', command: () => 'go test ./...' },
  {
    files: ['pyproject.toml', 'requirements.txt'],
    toolchain: 'python',
    command: () => 'python -m pytest',
  },
  { files: ['pom.xml'], toolchain: 'java', command: () => 'mvn -B verify' },
  {
    files: ['build.gradle', 'build.gradle.kts'],
    toolchain: 'java',
    command: () => './gradlew test',
  },
  { files: ['Cargo.toml'], toolchain: 'rust', command: () => 'cargo test' },
]

export interface TestCommandInput {
  /** The command the user gave; wins over detection. */
  explicit?: string
  /** The npm script for a package.json service (default `test`). */
  npmScript?: string
  /** File names at the service's root. */
  files: readonly string[]
}

/**
 * The test command for a service: the explicit one, or the first rule whose file is
 * present, or undefined when nothing says how the service is tested.
 */
export function resolveTestCommand(input: TestCommandInput): TestCommand | undefined {
  if (input.explicit !== undefined && input.explicit.trim() !== '') {
    return { command: input.explicit, toolchain: 'none', reason: '--test-command' }
  }
  const present = new Set(input.files)
  for (const rule of testCommandRules) {
    const file = rule.files.find((name) => present.has(name))
    if (file) {
      return {
        command: rule.command(input.npmScript ?? 'test'),
        toolchain: rule.toolchain,
        reason: file,
      }
    }
  }
  return undefined
}

/** The one line a user reads when no rule matched. */
export function noTestCommandMessage(servicePath: string): string {
  const known = testCommandRules.flatMap((rule) => rule.files).join(', ')
  return `cannot tell how to test '${servicePath}': none of ${known} is there; pass --test-command CMD (run with sh -c in the service directory)`
}
