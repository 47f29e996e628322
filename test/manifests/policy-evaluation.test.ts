import { describe, expect, it } from 'vitest'
import { policyViolations } from '../../actions/lib/manifests/policy-evaluation'
import type { PolicyCondition, PolicyPack } from '../../actions/lib/manifests/policy-pack'

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: {
    securityContext: { runAsNonRoot: true },
    volumes: [
      { name: 'a', emptyDir: {} },
      { name: 'b', hostPath: { path: '/var' } },
    ],
    initContainers: [{ name: 'init', image: 'init:latest' }],
    containers: [
      { name: 'one', image: 'web:1.0.0' },
      { name: 'two', image: 'web' },
    ],
  },
}

const pack = (require: PolicyCondition, target: PolicyPack['rules'][0]['target']): PolicyPack => ({
  name: 'test',
  rules: [{ id: 'rule', severity: 'error', message: 'breaks the rule', target, require }],
})

describe('policy evaluation', () => {
  it.each<[string, PolicyCondition, PolicyPack['rules'][0]['target'], string[]]>([
    [
      'a pattern tested on every container, reported at the failing value',
      { path: '/image', matches: ':[0-9]' },
      'allContainers',
      [
        "/spec/initContainers/0/image container 'init' breaks the rule",
        "/spec/containers/1/image container 'two' breaks the rule",
      ],
    ],
    [
      'a negated pattern on the listed containers only',
      { path: '/image', notMatches: ':[0-9]' },
      'containers',
      ["/spec/containers/0/image container 'one' breaks the rule"],
    ],
    [
      'a wildcard path reported at the item that fails',
      { path: '/volumes/*/hostPath', exists: false },
      'pod',
      ['/spec/volumes/1/hostPath breaks the rule'],
    ],
    [
      'a missing nested field reported at its full path',
      { path: '/securityContext/seccompProfile/type', equals: 'RuntimeDefault' },
      'pod',
      ['/spec/securityContext/seccompProfile/type breaks the rule'],
    ],
    [
      'a pod-level field read from a container rule',
      { from: 'pod', path: '/securityContext/runAsNonRoot', equals: true },
      'containers',
      [],
    ],
    [
      'an object-level path',
      { from: 'object', path: '/metadata/labels/team', exists: true },
      'object',
      ['/metadata/labels/team breaks the rule'],
    ],
  ])('%s', (_label, require, target, expected) => {
    // Twice: paths and patterns are reused between resources.
    for (let pass = 0; pass < 2; pass++) {
      const found = policyViolations(pack(require, target), pod, []).map(
        (violation) => `${violation.path} ${violation.message}`,
      )
      expect(found).toEqual(expected)
    }
  })
})
