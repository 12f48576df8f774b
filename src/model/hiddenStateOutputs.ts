import path from 'node:path';
import type { HiddenStateSidecar } from '../onnx/hiddenStateSidecar.ts';
import { formatSlotShape, type TensorSlot } from './tensorSlot.ts';

/** Float element types onnxruntime-node can return; float16 is widened before the math. */
const FLOAT_TYPES = new Set(['float32', 'float16', 'float64']);

/**
 * Where each layer's hidden state is read from a run's outputs:
 * - per-layer: one [batch, tokens, hidden] output per layer, index 0 the embedding output;
 * - stacked: one 4-axis output holding every layer, layers first ([L+1, B, T, H], torch.stack of
 *   output_hidden_states) or batch first ([B, L+1, T, H]); 'undecided' when the graph's declared
 *   shape cannot tell and the first run's sizes must.
 */
export type HiddenStateSource =
  | { readonly kind: 'per-layer'; readonly names: readonly string[]; readonly from: 'sidecar' | 'output names' }
  | { readonly kind: 'stacked'; readonly name: string; readonly layout: 'layers-first' | 'batch-first' | 'undecided' };

export type HiddenStateSearch = { readonly ok: true; readonly source: HiddenStateSource } | { readonly ok: false; readonly problem: string };

export interface HiddenStateExpectation {
  /** Transformer blocks from the config; the outputs must hold layers + 1 hidden states. */
  readonly layers: number;
  readonly hiddenSize: number;
  readonly onnxPath: string;
  readonly configPath: string;
  readonly sidecar: { readonly path: string; readonly content: HiddenStateSidecar } | null;
}

const PER_LAYER = /^(?:all_)?hidden_states[._](\d+)$/;
const STACKED = /^(?:all_)?hidden_states$/;

function exposeHint(dir: string): string {
  return `run \`donald expose-layers ${dir}\` to add one output per layer`;
}

/** A declared last axis that is a number other than the config's hidden size. */
function hiddenMismatch(slot: TensorSlot, hiddenSize: number): boolean {
  const last = slot.shape[slot.shape.length - 1];
  return typeof last === 'number' && last !== hiddenSize;
}

/** The first per-layer output that is not a float [batch, tokens, hidden] tensor. */
function badPerLayerSlot(names: readonly string[], outputs: ReadonlyMap<string, TensorSlot>, hiddenSize: number): TensorSlot | undefined {
  return names.map((n) => outputs.get(n) as TensorSlot).find((s) => !FLOAT_TYPES.has(s.type) || (s.shape.length !== 0 && s.shape.length !== 3) || hiddenMismatch(s, hiddenSize));
}

function badSlotProblem(slot: TensorSlot, expect: HiddenStateExpectation): string {
  if (slot.type.startsWith('float') || slot.type.startsWith('bfloat')) {
    if (!FLOAT_TYPES.has(slot.type)) return `${expect.onnxPath}: output '${slot.name}' is ${slot.type}, which onnxruntime-node cannot return; re-export with float32 or float16 outputs`;
  }
  return `${expect.onnxPath}: output '${slot.name}' is ${slot.type} ${formatSlotShape(slot.shape)}, not a float [batch, tokens, ${expect.hiddenSize}] hidden state; check hidden_size in ${expect.configPath}`;
}

function fromSidecar(outputs: ReadonlyMap<string, TensorSlot>, expect: HiddenStateExpectation, sidecarPath: string, sidecar: HiddenStateSidecar): HiddenStateSearch {
  const file = path.basename(sidecarPath);
  if (sidecar.layers !== expect.layers) {
    return {
      ok: false,
      problem: `${sidecarPath}: lists ${sidecar.layers} layers but ${expect.configPath} declares ${expect.layers}; run donald expose-layers again on the original export, or fix the layer count in the config`,
    };
  }
  const missing = sidecar.outputs.find((o) => !outputs.has(o.name));
  if (missing) {
    return { ok: false, problem: `${expect.onnxPath}: has no output '${missing.name}' that ${file} names; run donald expose-layers again` };
  }
  const names = sidecar.outputs.map((o) => o.name);
  const bad = badPerLayerSlot(names, outputs, expect.hiddenSize);
  if (bad) return { ok: false, problem: badSlotProblem(bad, expect) };
  return { ok: true, source: { kind: 'per-layer', names, from: 'sidecar' } };
}

function fromPerLayerNames(found: ReadonlyMap<number, string>, outputs: ReadonlyMap<string, TensorSlot>, expect: HiddenStateExpectation): HiddenStateSearch {
  const dir = path.dirname(expect.onnxPath);
  const count = Math.max(...found.keys()) + 1;
  const gap = Array.from({ length: count }, (_, i) => i).find((i) => !found.has(i));
  if (gap !== undefined) {
    return { ok: false, problem: `${expect.onnxPath}: hidden-state outputs skip layer ${gap} (found ${found.size} of 0..${count - 1}); ${exposeHint(dir)}` };
  }
  if (count !== expect.layers + 1) {
    return {
      ok: false,
      problem: `${expect.onnxPath}: exposes ${count} hidden states (0..${count - 1}) but ${expect.configPath} declares ${expect.layers} layers, so ${expect.layers + 1} are needed (embedding + each layer); fix the layer count in the config or ${exposeHint(dir)}`,
    };
  }
  const names = Array.from({ length: count }, (_, i) => found.get(i) as string);
  const bad = badPerLayerSlot(names, outputs, expect.hiddenSize);
  if (bad) return { ok: false, problem: badSlotProblem(bad, expect) };
  return { ok: true, source: { kind: 'per-layer', names, from: 'output names' } };
}

/** Layout of a stacked output from its declared shape: a fixed L+1 axis or a 'batch'-named axis decides. */
function stackedLayout(slot: TensorSlot, layers: number): 'layers-first' | 'batch-first' | 'undecided' {
  const [a, b] = slot.shape;
  const isLayerAxis = (d: number | string | undefined): boolean => d === layers + 1;
  const isBatchAxis = (d: number | string | undefined): boolean => typeof d === 'string' && /batch/i.test(d);
  if ((isLayerAxis(a) && !isLayerAxis(b)) || isBatchAxis(b)) return 'layers-first';
  if ((isLayerAxis(b) && !isLayerAxis(a)) || isBatchAxis(a)) return 'batch-first';
  return 'undecided';
}

function fromStacked(slot: TensorSlot, expect: HiddenStateExpectation): HiddenStateSearch {
  const dir = path.dirname(expect.onnxPath);
  if (!FLOAT_TYPES.has(slot.type) || (slot.shape.length !== 0 && slot.shape.length !== 4) || hiddenMismatch(slot, expect.hiddenSize)) {
    return {
      ok: false,
      problem: `${expect.onnxPath}: output '${slot.name}' is ${slot.type} ${formatSlotShape(slot.shape)}, not float [layers+1, batch, tokens, ${expect.hiddenSize}] or [batch, layers+1, tokens, ${expect.hiddenSize}]; ${exposeHint(dir)}`,
    };
  }
  const [a, b] = slot.shape;
  const fixedLayerCounts = [a, b].filter((d): d is number => typeof d === 'number' && d > 1);
  if (fixedLayerCounts.length === 2 || (fixedLayerCounts.length === 1 && fixedLayerCounts[0] !== expect.layers + 1)) {
    return {
      ok: false,
      problem: `${expect.onnxPath}: output '${slot.name}' has shape ${formatSlotShape(slot.shape)}, which holds no layer axis of ${expect.layers + 1} (${expect.configPath} declares ${expect.layers} layers); fix the config or ${exposeHint(dir)}`,
    };
  }
  return { ok: true, source: { kind: 'stacked', name: slot.name, layout: stackedLayout(slot, expect.layers) } };
}

/**
 * Decides where the hidden states are read: the sidecar written by expose-layers first, then
 * per-layer outputs named hidden_states.N / hidden_states_N / all_hidden_states.N, then one
 * stacked hidden_states output. A graph with none of these, or with a count that disagrees
 * with the config, gives a problem naming the file and the fix.
 */
export function findHiddenStateSource(outputSlots: readonly TensorSlot[], expect: HiddenStateExpectation): HiddenStateSearch {
  const outputs = new Map(outputSlots.map((s) => [s.name, s]));
  if (expect.sidecar) return fromSidecar(outputs, expect, expect.sidecar.path, expect.sidecar.content);

  const perLayer = new Map<number, string>();
  for (const slot of outputSlots) {
    const m = PER_LAYER.exec(slot.name);
    if (m && !perLayer.has(Number(m[1]))) perLayer.set(Number(m[1]), slot.name);
  }
  if (perLayer.size > 0) return fromPerLayerNames(perLayer, outputs, expect);

  const stacked = outputSlots.find((s) => STACKED.test(s.name));
  if (stacked) return fromStacked(stacked, expect);

  // Decoders list one present key/value per layer; a few names are enough to recognise the graph.
  const shown = outputSlots.slice(0, 6).map((s) => s.name);
  const names = outputSlots.length > shown.length ? `${shown.join(', ')}, ... ${outputSlots.length - shown.length} more` : shown.join(', ');
  return {
    ok: false,
    problem: `${expect.onnxPath}: the graph outputs no hidden states (outputs: ${names}); ${exposeHint(path.dirname(expect.onnxPath))}`,
  };
}
