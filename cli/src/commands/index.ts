import type { CommandEntry } from '../command'

/**
 * Every `golden-path` command, in the order `--help` lists them. Each module is imported
 * only when its command runs: start-up cost stays that of the one command asked for.
 */
export const commands: readonly CommandEntry[] = [
  { name: 'deliver', load: async () => (await import('./deliver')).deliverCommand },
  { name: 'build', load: async () => (await import('./build')).buildCommand },
  { name: 'scan', load: async () => (await import('./scan')).scanCommand },
  { name: 'push', load: async () => (await import('./push')).pushCommand },
  { name: 'validate', load: async () => (await import('./validate')).validateCommand },
  { name: 'bump', load: async () => (await import('./bump')).bumpCommand },
  { name: 'verify', load: async () => (await import('./verify')).verifyCommand },
  { name: 'dora', load: async () => (await import('./dora')).doraCommand },
  { name: 'rollback', load: async () => (await import('./rollback')).rollbackCommand },
  { name: 'record', load: async () => (await import('./record')).recordCommand },
  { name: 'slo', load: async () => (await import('./slo')).sloCommand },
  { name: 'sign', load: async () => (await import('./sign')).signCommand },
  { name: 'attest', load: async () => (await import('./attest')).attestCommand },
  { name: 'verify-image', load: async () => (await import('./verify-image')).verifyImageCommand },
  { name: 'cluster', load: async () => (await import('./cluster')).clusterCommand },
  { name: 'version', load: async () => (await import('./version')).versionCommand },
]
