// Keeps the reusable workflows and golden-path's own actions in step.
//
// Inside a called workflow `uses: ./actions/x` would resolve against the caller's
// repository, so deliver.yml, pr-checks.yml and promote.yml name golden-path's
// actions by full reference: `<owner>/<repo>/actions/<name>@<ref>`. On main that ref
// is `main`; the release workflow runs this script to rewrite every such reference
// to the release tag on the commit it then tags, so `deliver.yml@v1.4.0` (and `@v1`,
// which points at the same commit) runs the actions of v1.4.0 and nothing else.
//
//   node scripts/pin-action-refs.mjs [--repository OWNER/REPO] --ref REF [--check] DIR|FILE...
//
// Without --check it rewrites the files in place (temp file + rename). With --check
// it changes nothing and exits 1 when a reference names another repository or ref,
// or an action folder that does not exist here.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

/** The repository the committed workflows name; releases from a fork pass their own. */
export const defaultRepository = 'example-org/golden-path'

const reference = /(uses:\s*)([\w.-]+\/[\w.-]+)\/actions\/([\w.-]+)@([^\s#]+)/g

/** Every golden-path action reference in a workflow text: {repository, action, ref, line}. */
export function actionReferences(text) {
  const found = []
  for (const [index, line] of text.split('\n').entries()) {
    for (const match of line.matchAll(reference)) {
      found.push({ repository: match[2], action: match[3], ref: match[4], line: index + 1 })
    }
  }
  return found
}

/** The text with each reference to `repositoryNames` actions moved to `repository@ref`. */
export function pinActionReferences(text, { repository, ref, repositoryNames }) {
  return text.replace(reference, (whole, prefix, named, action) =>
    repositoryNames.includes(named) ? `${prefix}${repository}/actions/${action}@${ref}` : whole,
  )
}

function workflowFiles(paths) {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => /\.ya?ml$/.test(name))
          .sort()
          .map((name) => join(path, name))
      : [path],
  )
}

function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      repository: { type: 'string', default: defaultRepository },
      ref: { type: 'string' },
      check: { type: 'boolean', default: false },
      actions: { type: 'string', default: 'actions' },
    },
    allowPositionals: true,
  })
  if (!values.ref || positionals.length === 0) {
    console.error(
      'usage: pin-action-refs.mjs [--repository OWNER/REPO] --ref REF [--check] DIR|FILE...',
    )
    return 2
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(values.repository)) {
    console.error(
      `pin-action-refs: invalid --repository '${values.repository}': expected OWNER/REPO`,
    )
    return 2
  }
  const repositoryNames = [defaultRepository, values.repository]
  let problems = 0
  for (const file of workflowFiles(positionals)) {
    const text = readFileSync(file, 'utf8')
    if (!values.check) {
      const pinned = pinActionReferences(text, {
        repository: values.repository,
        ref: values.ref,
        repositoryNames,
      })
      if (pinned !== text) {
        writeFileSync(`${file}.tmp`, pinned)
        renameSync(`${file}.tmp`, file)
      }
      continue
    }
    for (const found of actionReferences(text)) {
      const where = `${file}:${found.line}`
      if (!repositoryNames.includes(found.repository)) continue
      if (found.repository !== values.repository || found.ref !== values.ref) {
        console.error(
          `${where}: ${found.repository}/actions/${found.action}@${found.ref} is not at ${values.repository}@${values.ref}`,
        )
        problems++
      }
      if (!existsSync(join(values.actions, found.action, 'action.yml'))) {
        console.error(
          `${where}: no action '${found.action}' (${values.actions}/${found.action}/action.yml)`,
        )
        problems++
      }
    }
  }
  return problems === 0 ? 0 : 1
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = main(process.argv.slice(2))
}
