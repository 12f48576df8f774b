import { UserError } from '../userError.ts';
import { formatShape } from './numericTensor.ts';

/**
 * Axis orders a hidden-state file may use: L = layer arrays, T = tokens, D = hidden units,
 * B = batch (sentences). The canonical order inside DONALD-D is LTD.
 */
export type Layout = 'LTD' | 'TLD' | 'BLTD' | 'LBTD';

export const LAYOUTS: readonly Layout[] = ['LTD', 'TLD', 'BLTD', 'LBTD'];

export function isLayout(value: unknown): value is Layout {
  return typeof value === 'string' && (LAYOUTS as readonly string[]).includes(value);
}

/** What is known about the sentence from outside the file (model config, tokenizer, flags). */
export interface LayoutHints {
  /** The model's layer count; an axis of this size or one more (with the embedding output) fits. */
  readonly layers?: number;
  readonly tokens?: number;
  readonly hidden?: number;
  /** Which sentence of a batch axis to take; without it a batch axis must have size 1. */
  readonly batchIndex?: number;
}

export interface AxisSizes {
  readonly batch: number;
  readonly layers: number;
  readonly tokens: number;
  readonly hidden: number;
}

/** The layout's name spells its axes in order, so an axis's position is its letter's index. */
function axisOf(layout: Layout, axis: 'B' | 'L' | 'T' | 'D'): number {
  return layout.indexOf(axis);
}

/** Sizes of each axis when `shape` is read as `layout` (batch 1 when there is no batch axis). */
export function axisSizes(shape: readonly number[], layout: Layout): AxisSizes {
  const b = axisOf(layout, 'B');
  return {
    batch: b < 0 ? 1 : shape[b],
    layers: shape[axisOf(layout, 'L')],
    tokens: shape[axisOf(layout, 'T')],
    hidden: shape[axisOf(layout, 'D')],
  };
}

/** Why `shape` cannot be `layout` given the hints; empty when it fits. */
function misfits(shape: readonly number[], layout: Layout, hints: LayoutHints): string[] {
  const size = axisSizes(shape, layout);
  const problems: string[] = [];
  if (hints.hidden !== undefined && size.hidden !== hints.hidden) {
    problems.push(`the hidden axis (last) has ${size.hidden} units, not ${hints.hidden}`);
  }
  if (hints.layers !== undefined && size.layers !== hints.layers && size.layers !== hints.layers + 1) {
    problems.push(`the layer axis (axis ${axisOf(layout, 'L')}) has ${size.layers} entries, not ${hints.layers} or ${hints.layers + 1}`);
  }
  if (hints.tokens !== undefined && size.tokens !== hints.tokens) {
    problems.push(`the token axis (axis ${axisOf(layout, 'T')}) has ${size.tokens} entries, not the ${hints.tokens} tokens given`);
  }
  const batchAxis = axisOf(layout, 'B');
  if (hints.batchIndex === undefined) {
    if (size.batch > 1) problems.push(`the batch axis (axis ${batchAxis}) holds ${size.batch} sentences: pick one with --batch-index`);
  } else if (hints.batchIndex >= size.batch) {
    problems.push(batchAxis < 0 ? `--batch-index ${hints.batchIndex} needs a batch axis but ${layout} has none` : `--batch-index ${hints.batchIndex} is past the batch axis (axis ${batchAxis}) of ${size.batch}`);
  }
  return problems;
}

function describe(shape: readonly number[], layout: Layout): string {
  const s = axisSizes(shape, layout);
  return `${layout} (${s.layers} layer arrays on axis ${axisOf(layout, 'L')} x ${s.tokens} tokens${s.batch > 1 ? `, batch of ${s.batch}` : ''})`;
}

function checkShape(shape: readonly number[], source: string): void {
  if (shape.length !== 3 && shape.length !== 4) {
    throw new UserError(`${source}: shape ${formatShape(shape)} has ${shape.length} axes; hidden states need 3 ([layers, tokens, hidden] or [tokens, layers, hidden]) or 4 (with a batch axis)`);
  }
  if (shape.some((d) => d === 0)) throw new UserError(`${source}: shape ${formatShape(shape)} has an empty axis; there is nothing to analyse`);
}

/**
 * Picks the layout of `shape` from axis sizes. H is always the last axis. Rules:
 * 1. Keep every layout of the right rank that fits the hints: layer axis = layers or layers+1,
 *    token axis = tokens, last axis = hidden, batch axis of size 1 unless a batch index is given.
 * 2. One left: that one. Several left but axes 0 and 1 both of size 1: they read identically.
 * 3. Several left, 3 axes and neither a layer nor a token hint: [L, T, H]. Sizes alone can never
 *    tell layers from tokens, and LTD is what stacking output_hidden_states gives and what
 *    SPEC §8 files hold, so a bare 3-axis file is read as LTD (TLD needs --layout or a hint).
 * 4. Otherwise (hints fit two readings, or 4 axes with both readings possible): an error asking
 *    for --layout; never a guess.
 */
export function detectLayout(shape: readonly number[], hints: LayoutHints, source = 'hidden states'): Layout {
  checkShape(shape, source);
  const candidates = LAYOUTS.filter((l) => l.length === shape.length);
  const fitting = candidates.filter((l) => misfits(shape, l, hints).length === 0);
  if (fitting.length === 1) return fitting[0];
  if (fitting.length === 0) {
    const why = candidates.map((l) => `as ${l}, ${misfits(shape, l, hints).join(' and ')}`).join('; ');
    throw new UserError(`${source}: shape ${formatShape(shape)} fits no layout: ${why}`);
  }
  if (shape[0] === 1 && shape[1] === 1) return fitting[0];
  if (shape.length === 3 && hints.layers === undefined && hints.tokens === undefined) return 'LTD';
  throw new UserError(
    `${source}: shape ${formatShape(shape)} is ambiguous: it reads as ${fitting.map((l) => describe(shape, l)).join(' or as ')}; pass ${fitting.map((l) => `--layout ${l}`).join(' or ')}`,
  );
}

/**
 * The layout to use: `requested` checked against the shape and hints, or detected under 'auto'.
 * `origin` says where an explicit layout came from, for the message.
 */
export function resolveLayout(shape: readonly number[], requested: Layout | 'auto', hints: LayoutHints, source: string, origin = '--layout'): Layout {
  if (requested === 'auto') return detectLayout(shape, hints, source);
  checkShape(shape, source);
  if (requested.length !== shape.length) {
    throw new UserError(`${source}: ${origin} ${requested} needs ${requested.length} axes but the shape ${formatShape(shape)} has ${shape.length}`);
  }
  const problems = misfits(shape, requested, hints);
  if (problems.length > 0) throw new UserError(`${source}: shape ${formatShape(shape)} read as ${origin} ${requested}: ${problems.join(' and ')}`);
  return requested;
}
