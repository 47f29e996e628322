import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration suites start real git, buildah, registries and servers.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // The machine has two cores; more workers only thrash.
    maxWorkers: 2,
  },
})
