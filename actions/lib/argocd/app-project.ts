/** The part of an AppProject's spec that decides which kinds it admits. */
export interface AppProjectKinds {
  namespaceResourceWhitelist?: { group?: string; kind?: string }[] | null
  namespaceResourceBlacklist?: { group?: string; kind?: string }[] | null
}

/** Argo CD matches a group or kind against a list entry as a glob (`*` any run of characters). */
function globMatches(pattern: string | undefined, value: string): boolean {
  const source = (pattern ?? '')
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`).test(value)
}

function listed(list: AppProjectKinds['namespaceResourceWhitelist'], group: string, kind: string) {
  return (list ?? []).some(
    (entry) => globMatches(entry.group, group) && globMatches(entry.kind, kind),
  )
}

/** Whether the project admits a namespaced kind (an absent whitelist admits every kind). */
export function admitsNamespacedKind(project: AppProjectKinds, group: string, kind: string) {
  const whitelist = project.namespaceResourceWhitelist
  const whitelisted = whitelist == null || listed(whitelist, group, kind)
  return whitelisted && !listed(project.namespaceResourceBlacklist, group, kind)
}

/**
 * Whether Argo CD can list the running images of a Deployment this project deploys. It
 * builds an app's resource tree by following owner references from the managed resources
 * and leaves out every resource the project does not admit, children included; then
 * `status.summary.images` is the images of the tree's Pods. A Deployment's Pods hang below
 * its ReplicaSets, so the project must admit both (upstream argo-cd#28564 documents it).
 */
export function listsDeploymentImages(project: AppProjectKinds): boolean {
  return (
    admitsNamespacedKind(project, 'apps', 'ReplicaSet') && admitsNamespacedKind(project, '', 'Pod')
  )
}
