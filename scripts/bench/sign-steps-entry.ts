// What the signing benchmark needs to time the supply-chain steps the way `deliver --local`
// runs them, inside one process, bundled by ncc so that a plain node script can call it.
export { runDelivery } from '../../actions/lib/delivery/delivery-pipeline'
export { signStep, verifyImageStep } from '../../actions/lib/delivery/supply-chain-steps'
export { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
