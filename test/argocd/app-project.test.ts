import { describe, expect, it } from 'vitest'
import { listsDeploymentImages } from '../../actions/lib/argocd/app-project'

describe('whether Argo CD can list the images an AppProject deploys', () => {
  it.each([
    { name: 'no whitelist admits every kind', project: {}, lists: true },
    {
      name: 'the Deployment alone hides its ReplicaSets and Pods',
      project: { namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deployment' }] },
      lists: false,
    },
    {
      name: 'Pods without ReplicaSets: the tree stops at the Deployment',
      project: {
        namespaceResourceWhitelist: [
          { group: 'apps', kind: 'Deployment' },
          { group: '', kind: 'Pod' },
        ],
      },
      lists: false,
    },
    {
      name: 'ReplicaSets and Pods admitted',
      project: {
        namespaceResourceWhitelist: [
          { group: 'apps', kind: 'Deployment' },
          { group: 'apps', kind: 'ReplicaSet' },
          { group: '', kind: 'Pod' },
        ],
      },
      lists: true,
    },
    {
      name: 'globs',
      project: { namespaceResourceWhitelist: [{ group: '*', kind: '*' }] },
      lists: true,
    },
    {
      name: 'an empty whitelist admits nothing',
      project: { namespaceResourceWhitelist: [] },
      lists: false,
    },
    {
      name: 'a blacklisted Pod',
      project: { namespaceResourceBlacklist: [{ group: '', kind: 'Pod' }] },
      lists: false,
    },
  ])('$name', ({ project, lists }) => {
    expect(listsDeploymentImages(project)).toBe(lists)
  })
})
