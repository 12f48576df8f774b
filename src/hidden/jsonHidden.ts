import { UserError } from '../userError.ts';
import { isLayout } from './layout.ts';
import type { LoadedTensor } from './numericTensor.ts';

const ARRAY_KEYS = ['hidden_states', 'hidden'] as const;

/**
 * Reads hidden states from JSON: a bare nested array, or an object holding it under
 * `hidden_states` or `hidden` (optionally with a `layout` such as "LTD", as SPEC §8 files have).
 */
export function parseHiddenJson(text: string, source: string): LoadedTensor {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  let values: unknown = root;
  let label = '';
  let declared: unknown;
  if (!Array.isArray(root)) {
    if (typeof root !== 'object' || root === null) throw new UserError(`${source}: expected a nested array of hidden states or an object with "hidden_states" or "hidden"`);
    const record = root as Record<string, unknown>;
    const key = ARRAY_KEYS.find((k) => k in record);
    if (!key) {
      throw new UserError(`${source}: expected "hidden_states" or "hidden" among the keys, found ${Object.keys(record).map((k) => JSON.stringify(k)).join(', ') || 'none'}`);
    }
    values = record[key];
    label = key;
    declared = record.layout;
    if (declared !== undefined && !isLayout(declared)) {
      throw new UserError(`${source}: "layout" is ${JSON.stringify(declared)}; use one of "LTD", "TLD", "BLTD", "LBTD" or drop the field`);
    }
  }
  if (!Array.isArray(values)) throw new UserError(`${source}: ${label || 'the top level'} is not an array`);

  const shape = shapeFromFirstEntries(values);
  const data = new Float64Array(shape.reduce((n, d) => n * d, 1));
  let next = 0;
  // Depth-first in row-major order, checking every entry against the shape of the first ones.
  const fill = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        const found = node === null ? 'null (NaN or Infinity written by a JSON encoder?)' : Array.isArray(node) ? 'an array' : `a ${typeof node}`;
        throw new UserError(`${source}: ${label}${path} is ${found} where a number was expected; hidden states must be finite numbers`);
      }
      data[next++] = node;
      return;
    }
    if (!Array.isArray(node)) {
      throw new UserError(`${source}: ${label}${path} is ${node === null ? 'null' : `a ${typeof node}`} where an array of ${shape[depth]} was expected; the array must be rectangular`);
    }
    if (node.length !== shape[depth]) {
      throw new UserError(`${source}: ${label}${path} has ${node.length} entries but ${label}${'[0]'.repeat(depth)} has ${shape[depth]}; the array must be rectangular`);
    }
    for (let i = 0; i < node.length; i++) fill(node[i], depth + 1, `${path}[${i}]`);
  };
  fill(values, 0, '');
  return { tensor: { shape, data }, declaredLayout: isLayout(declared) ? declared : undefined };
}

function shapeFromFirstEntries(values: unknown[]): number[] {
  const shape: number[] = [];
  let node: unknown = values;
  while (Array.isArray(node)) {
    shape.push(node.length);
    node = node[0];
  }
  return shape;
}
