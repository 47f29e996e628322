// What the SLO benchmark needs to time one gate decision inside a process (without Node's
// start-up), bundled by ncc so that a plain node script can call it.
export { nullLogger, systemClock } from '../../actions/lib/ports'
export { runSloGate } from '../../actions/lib/slo/gate'
export { parseGateSettings } from '../../actions/lib/slo/gate-settings'
export { PrometheusClient } from '../../actions/lib/slo/prometheus-client'
