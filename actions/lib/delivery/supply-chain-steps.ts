import { readFile } from 'node:fs/promises'
import type { Clock, CommandRunner, Logger } from '../ports'
import { RegistryClient } from '../registry/registry-client'
import { type BuildFacts, signAndAttest } from '../supply-chain/attest-image'
import { commandPath } from '../supply-chain/command-path'
import type { AttestationType } from '../supply-chain/media-types'
import { parsePinnedImage } from '../supply-chain/pinned-image'
import {
  ensureLocalSigningKey,
  loadSigningKey,
  loadVerificationKey,
} from '../supply-chain/signing-key'
import { localBuilderId } from '../supply-chain/statements'
import { verifyImage } from '../supply-chain/verify-image'
import type { DeliveryStep } from './delivery-pipeline'

export interface SupplyChainStepOptions {
  /** Where the signing key is made once and kept (the local delivery's state directory). */
  keyDirectory: string
  facts: BuildFacts
  env: NodeJS.ProcessEnv
}

export interface SupplyChainPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
}

/**
 * sign-image and attest-image on this machine: a key made once in the state directory
 * signs the pushed digest and its SLSA provenance (builder: golden-path deliver --local),
 * and a CycloneDX SBOM when syft is installed. The SBOM is generated from the build's OCI
 * layout while the signature and the provenance are made, and nothing is stored unless all
 * of them were. Nothing leaves the machine.
 */
export function signStep(options: SupplyChainStepOptions, ports: SupplyChainPorts): DeliveryStep {
  return {
    name: 'sign',
    async run(state) {
      if (!state.imageRef) throw new Error('no pushed image to sign')
      const key = await ensureLocalSigningKey(options.keyDirectory)
      const method = {
        kind: 'key' as const,
        key: loadSigningKey(await readFile(key.privateKeyPath, 'utf8'), 'the local signing key'),
      }
      const image = parsePinnedImage(state.imageRef)
      const registry = new RegistryClient(image.registry, undefined, { tlsVerify: false })
      const sbom = commandPath('syft', options.env) !== undefined
      const types: AttestationType[] = sbom ? ['slsaprovenance1', 'cyclonedx'] : ['slsaprovenance1']
      await signAndAttest(
        {
          image,
          method,
          sign: true,
          types,
          facts: { ...options.facts, builderId: localBuilderId },
          tlsVerify: false,
          ociLayout: state.ociLayout,
        },
        {
          registry,
          logger: ports.logger,
          clock: ports.clock,
          runner: ports.runner,
          env: options.env,
        },
      )
      return {
        status: 'passed',
        detail: `signed ${state.imageRef} and attested ${types.join(', ')} with ${key.publicKeyPath}${key.created ? ' (new key)' : ''}${sbom ? '' : '; no SBOM (syft is not installed)'}`,
      }
    },
  }
}

/** verify-image before the bump: the digest must carry the local key's signature and provenance. */
export function verifyImageStep(
  options: SupplyChainStepOptions,
  ports: SupplyChainPorts,
): DeliveryStep {
  return {
    name: 'verify-image',
    async run(state) {
      if (!state.imageRef) throw new Error('no pushed image to verify')
      const key = await ensureLocalSigningKey(options.keyDirectory)
      const image = parsePinnedImage(state.imageRef)
      const result = await verifyImage(
        image,
        {
          signer: {
            kind: 'key',
            publicKey: loadVerificationKey(
              await readFile(key.publicKeyPath, 'utf8'),
              'the local public key',
            ),
          },
          requiredAttestations: ['slsaprovenance1'],
          sourceRepository: options.facts.repository,
          builderIdRegexp: new RegExp(`^${localBuilderId.replace(/[.]/g, '\\.')}$`),
        },
        {
          registry: new RegistryClient(image.registry, undefined, { tlsVerify: false }),
          logger: ports.logger,
        },
      )
      if (!result.verified) return { status: 'failed', detail: result.problems.join('; ') }
      return { status: 'passed', detail: `verified ${state.imageRef}: signature and provenance` }
    },
  }
}
