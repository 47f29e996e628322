import { basename, join } from 'node:path'
import type { SupplyChainStepOptions } from './supply-chain-steps'

/**
 * What local delivery signs with and records: a key kept in the state directory, and a
 * provenance naming this checkout (as local/<directory>) and its commit.
 */
export function localSupplyChain(
  options: { cwd: string; stateDir: string; servicePath: string; environment: string },
  commit: string | undefined,
  env: NodeJS.ProcessEnv,
): SupplyChainStepOptions {
  return {
    keyDirectory: join(options.stateDir, 'signing'),
    env,
    facts: {
      repository: env.GITHUB_REPOSITORY || `local/${basename(options.cwd)}`,
      commit,
      serverUrl: 'file://',
      inputs: { 'service-path': options.servicePath, environment: options.environment },
      baseImages: [],
    },
  }
}
