import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  array: 'a list',
  tuple: 'a list',
  null: 'null',
};

/** `['corpus', 1, 'path']` -> `corpus[1].path`; the root is `(top level)`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out.length === 0 ? '(top level)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function bound(issue: { origin: string; inclusive?: boolean }, limit: number | bigint, below: boolean): string {
  const sign = below ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
  if (issue.origin === 'array' || issue.origin === 'set') return below ? `expected at least ${limit} item(s)` : `expected at most ${limit} item(s)`;
  if (issue.origin === 'string') return below ? (Number(limit) === 1 ? 'expected a non-empty string' : `expected at least ${limit} characters`) : `expected at most ${limit} characters`;
  return `expected a number ${sign} ${limit}`;
}

/** One `path: what is expected` line per problem (several for several unknown keys). */
function issueLines(issue: Issue, input: unknown): string[] {
  const where = formatKeyPath(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      const value = valueAt(input, issue.path);
      return [value === undefined ? `${where}: missing; expected ${expected}` : `${where}: expected ${expected}, got ${describeValue(value)}`];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const fullPath = formatKeyPath([...issue.path, key]);
        const hint = key.includes('_') ? ` (keys are camelCase: did you mean ${camelCase(key)}?)` : '; check its spelling';
        return `${fullPath}: unknown key${hint}`;
      });
    case 'invalid_value':
      return [`${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(valueAt(input, issue.path))}`];
    case 'too_small':
      return [`${where}: ${bound(issue, issue.minimum, true)}`];
    case 'too_big':
      return [`${where}: ${bound(issue, issue.maximum, false)}`];
    default:
      return [`${where}: ${issue.message}`];
  }
}

/** Every issue as `label: path: expected ...`, one per line, ready for a UserError. */
export function formatConfigIssues(label: string, issues: readonly Issue[], input: unknown): string {
  return issues.flatMap((issue) => issueLines(issue, input)).map((line) => `${label}: ${line}`).join('\n');
}
