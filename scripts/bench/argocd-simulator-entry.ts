// What the verify benchmark needs from the test simulator, bundled by ncc so that
// a plain node script can start it.
export { newRevision } from '../../test/support/argocd-fixtures'
export { rolloutFrames, scenario } from '../../test/support/argocd-scenarios'
export { ArgoCdSimulator } from '../../test/support/argocd-simulator'
