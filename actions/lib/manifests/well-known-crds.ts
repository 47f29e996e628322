import type { CustomResourceSchema } from './custom-resources'

/**
 * CRD schemas validated without --crd: prometheus-operator's ServiceMonitor and PrometheusRule,
 * which the baseline manifests ship (the scrape config and the generated SLO rules). Generated
 * from data/prometheus-operator by scripts/generate-crd-schemas.mjs. A --crd of the same kind
 * and version replaces them.
 */
export async function wellKnownCustomResources(): Promise<CustomResourceSchema[]> {
  const module = await import('./schemas/prometheus-operator.json')
  return (module.default ?? module) as CustomResourceSchema[]
}
