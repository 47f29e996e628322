import { describe, expect, it } from 'vitest'
import type { JsonSchema } from '../../actions/lib/manifests/schema-bundle'
import { SchemaValidator } from '../../actions/lib/manifests/schema-validator'

const definitions: Record<string, JsonSchema> = {
  Name: { type: 'string', maxLength: 3, minLength: 2 },
  Alias: { $ref: 'Name' },
  Item: {
    type: 'object',
    required: ['name'],
    properties: { name: { $ref: 'Alias' }, port: { type: 'integer', minimum: 1, maximum: 10 } },
  },
  Root: {
    type: 'object',
    properties: {
      mode: { type: 'string', enum: ['a', 'b'] },
      items: { type: 'array', maxItems: 2, items: { $ref: 'Item' } },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      size: { 'x-kubernetes-int-or-string': true, pattern: '^[0-9]+(Ki|Mi|Gi)?$' },
      ratio: { type: 'number', multipleOf: 0.5, exclusiveMinimum: true, minimum: 0 },
      either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      single: { oneOf: [{ type: 'number' }, { type: 'integer' }] },
      never: { not: { type: 'string' } },
      both: { allOf: [{ type: 'string' }, { pattern: '^x' }] },
      free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: {} },
      any: { type: ['custom'] },
    },
  },
}

const validator = new SchemaValidator(definitions, true)
const validate = (value: unknown) =>
  validator
    .validate({ $ref: 'Root' }, value)
    .map(({ rule, message, path, anchor }) => `${rule} ${path} ${anchor}: ${message}`)

describe('schema validator findings', () => {
  it.each<[string, unknown, string[]]>([
    ['a valid value', { mode: 'a', items: [{ name: 'ab', port: 3 }], size: '1Gi' }, []],
    ['an enum miss', { mode: 'c' }, ['schema-enum /mode value: must be one of "a", "b"']],
    [
      'a type miss stops the checks below it',
      { items: 'x' },
      ['schema-type /items value: expected array, got string'],
    ],
    [
      'array items, bounds and required fields in document order',
      { items: [{ port: 0 }, { name: 'abcd', port: 11 }, { name: 'a', port: 2.5 }] },
      [
        'schema-items /items value: more than 2 items',
        "schema-required /items/0/name key: missing required field 'name'",
        'schema-range /items/0/port value: must be at least 1',
        'schema-length /items/1/name value: longer than 3 characters',
        'schema-range /items/1/port value: must be at most 10',
        'schema-length /items/2/name value: shorter than 2 characters',
        'schema-type /items/2/port value: expected integer, got number',
      ],
    ],
    [
      'lengths counted in code points, not UTF-16 units',
      { items: [{ name: '😀😀' }, { name: '😀😀😀😀' }] },
      ['schema-length /items/1/name value: longer than 3 characters'],
    ],
    [
      'keys escaped in pointers (RFC 6901)',
      { labels: { 'a/b': 1, 'c~d': 'ok', 'e~/f': true }, 'x/y~z': 1 },
      [
        'schema-type /labels/a~1b value: expected string, got integer',
        'schema-type /labels/e~0~1f value: expected string, got boolean',
        "schema-unknown-field /x~1y~0z key: unknown field 'x/y~z'",
      ],
    ],
    [
      'int-or-string with a quantity pattern',
      { size: true },
      ['schema-type /size value: expected integer or string, got boolean'],
    ],
    [
      'a malformed quantity',
      { size: '1Gb' },
      ["schema-quantity /size value: '1Gb' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)"],
    ],
    [
      'exclusive minimum and multipleOf',
      { ratio: -0.25 },
      [
        'schema-range /ratio value: must be at least 0',
        'schema-range /ratio value: must be a multiple of 0.5',
      ],
    ],
    [
      'anyOf, oneOf, not and allOf',
      { either: true, single: 3, never: 'x', both: 'y' },
      [
        'schema-anyof /either value: matches none of the 2 allowed forms',
        'schema-oneof /single value: matches 2 of the allowed forms, exactly one is allowed',
        'schema-not /never value: matches a form that is not allowed',
        "schema-pattern /both value: 'y' does not match ^x",
      ],
    ],
    [
      'unknown fields kept where the schema preserves them, and unknown type names accept anything',
      { free: { anything: 1 }, any: null },
      [],
    ],
    [
      'null where an object belongs',
      { labels: null },
      ['schema-type /labels value: expected object, got null'],
    ],
  ])('%s', (_label, value, expected) => {
    expect(validate(value)).toEqual(expected)
  })

  it('gives the same findings when a validator is reused after a finding deep in a document', () => {
    const bad = { items: [{ name: 'abcd' }] }
    expect(validate(bad)).toEqual(validate(bad))
    expect(validate({ mode: 'z' })).toEqual(['schema-enum /mode value: must be one of "a", "b"'])
  })
})
