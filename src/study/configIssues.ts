import { z } from 'zod';

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

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
function issueLines(issue: Issue, input: unknown, schema: Schema | undefined): string[] {
  const where = formatKeyPath(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      const value = valueAt(input, issue.path);
      return [value === undefined ? `${where}: missing; expected ${expected}` : `${where}: expected ${expected}, got ${describeValue(value)}`];
    }
    case 'unrecognized_keys': {
      const known = schema === undefined ? [] : keysAt(schema, issue.path);
      return issue.keys.map((key) => `${formatKeyPath([...issue.path, key])}: unknown key${unknownKeyHint(key, known)}`);
    }
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

/**
 * Every issue as `label: path: expected ...`, one per line, ready for a UserError. With the
 * schema, an unknown key comes with the closest valid key at its place (or the valid keys).
 */
export function formatConfigIssues(label: string, issues: readonly Issue[], input: unknown, schema?: Schema): string {
  return issues.flatMap((issue) => issueLines(issue, input, schema)).map((line) => `${label}: ${line}`).join('\n');
}

/** The schema inside defaults, optionals, nullables and preprocessing. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
    else if (s instanceof z.ZodPipe) s = s.out;
    else return s;
  }
}

/** The keys the object schema at `path` accepts; empty when the path leads elsewhere. */
function keysAt(schema: Schema, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema);
  for (const key of path) {
    if (s instanceof z.ZodObject && typeof key === 'string' && key in s.shape) s = unwrap(s.shape[key]);
    else if (s instanceof z.ZodArray && typeof key === 'number') s = unwrap(s.element);
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), so `modle` is one
 * step from `model`.
 */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}

/** The valid key a misspelling most likely meant: close in letters (case and `_` aside), or none. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  const plain = (k: string): string => k.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(plain(key), plain(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the key's letters (at least one, at most three) may be wrong.
  const allowed = Math.min(3, Math.max(1, Math.floor(plain(key).length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function unknownKeyHint(key: string, known: readonly string[]): string {
  const camel = camelCase(key);
  if (key.includes('_') && (known.length === 0 || known.includes(camel))) return ` (keys are camelCase: did you mean ${camel}?)`;
  const closest = closestKey(key, known);
  if (closest !== undefined) return `; did you mean ${closest}?`;
  return known.length > 0 ? `; check its spelling (valid keys here: ${known.join(', ')})` : '; check its spelling';
}
