/**
 * SLI queries are Go templates with one variable, `{{.window}}`, which sloth fills with each
 * rule's window (`5m`, `1h`, …). golden-path substitutes it the same way and refuses any other
 * template action, which sloth would fail on too (it renders with missingkey=error).
 */
const windowVariable = /\{\{ *\.window *\}\}/g
const anyAction = /\{\{.*?\}\}/gs

/** Why a query template cannot be used, or undefined when it can. */
export function checkQueryTemplate(query: string): string | undefined {
  const actions = query.match(anyAction) ?? []
  const other = actions.find((action) => !/^\{\{ *\.window *\}\}$/.test(action))
  if (other !== undefined) {
    return `template ${other} is not supported: the only variable is {{.window}}`
  }
  if (actions.length === 0) {
    return 'the query must use {{.window}} as its range, e.g. rate(http_requests_total[{{.window}}])'
  }
  return unbalanced(renderQueryTemplate(query, '1m'))
}

export function renderQueryTemplate(query: string, window: string): string {
  return query.replace(windowVariable, window)
}

const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

/**
 * A cheap PromQL sanity check (brackets and quotes balance), so a typo is reported at the spec
 * rather than by Prometheus when the rules load; promtool checks the full grammar.
 */
function unbalanced(query: string): string | undefined {
  const open: string[] = []
  for (let index = 0; index < query.length; index++) {
    const character = query[index]
    if (character === '"' || character === "'" || character === '`') {
      const end = findQuoteEnd(query, index)
      if (end === -1)
        return `unterminated string starting ${character}${query.slice(index + 1, index + 20)}`
      index = end
    } else if (character === '#') {
      const end = query.indexOf('\n', index)
      index = end === -1 ? query.length : end
    } else if (character in closing) {
      open.push(closing[character])
    } else if (character === ')' || character === ']' || character === '}') {
      const expected = open.pop()
      if (expected !== character) {
        return expected === undefined
          ? `unbalanced '${character}' in the query`
          : `expected '${expected}' but found '${character}' in the query`
      }
    }
  }
  if (open.length > 0) return `missing '${open[open.length - 1]}' at the end of the query`
  return undefined
}

function findQuoteEnd(query: string, start: number): number {
  const quote = query[start]
  for (let index = start + 1; index < query.length; index++) {
    if (query[index] === '\\' && quote !== '`') index++
    else if (query[index] === quote) return index
  }
  return -1
}
