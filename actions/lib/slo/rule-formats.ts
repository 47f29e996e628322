/** The files `slo rules` writes: a prometheus-operator PrometheusRule, or a plain rule file. */
export const ruleFormats = ['prometheus-rule', 'rules'] as const
export type RuleFormat = (typeof ruleFormats)[number]
