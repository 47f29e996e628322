import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repositoryRoot } from './workflow-files'

const read = (path: string) => readFileSync(join(repositoryRoot, path), 'utf8')

describe('what adopters expect of a project', () => {
  it('LICENSE is the Apache License 2.0, as package.json declares', () => {
    const license = read('LICENSE')
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/)
    expect(license).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION')
    expect(license).toContain('END OF TERMS AND CONDITIONS')
    expect(JSON.parse(read('package.json')).license).toBe('Apache-2.0')
  })

  it('CHANGELOG.md follows Keep a Changelog: Unreleased first, only the standard sections', () => {
    const changelog = read('CHANGELOG.md')
    const versions = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((match) => match[1])
    expect(versions[0]).toBe('Unreleased')
    for (const version of versions.slice(1)) expect(version).toMatch(/^\d+\.\d+\.\d+$/)
    const sections = [...changelog.matchAll(/^### (.+)$/gm)].map((match) => match[1])
    expect(sections.length).toBeGreaterThan(0)
    for (const section of sections)
      expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(section)
  })

  it('CONTRIBUTING.md names commands and files that exist', () => {
    const contributing = read('CONTRIBUTING.md')
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>
    for (const [, script] of contributing.matchAll(/npm run ([\w:-]+)/g)) {
      if (script.endsWith(':')) continue // a family, e.g. `npm run bench:<name>`
      expect(Object.keys(scripts), `npm run ${script}`).toContain(script)
    }
    expect(contributing).toContain('npm test')
    for (const [, path] of contributing.matchAll(
      /`((?:scripts|test|\.github|actions)\/[\w./-]+)`/g,
    ))
      expect(existsSync(join(repositoryRoot, path)), path).toBe(true)
    // The release it describes is the release workflow's: a version input X.Y.Z.
    const release = parse(read('.github/workflows/release.yml'))
    expect(release.on.workflow_dispatch.inputs.version).toBeDefined()
    expect(contributing).toContain('version: X.Y.Z')
  })

  it('SECURITY.md says how to report privately', () => {
    const security = read('SECURITY.md')
    expect(security).toMatch(/## How to report/)
    expect(security).toMatch(/private vulnerability reporting/i)
  })
})
