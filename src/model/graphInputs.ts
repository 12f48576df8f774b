import { Tensor } from 'onnxruntime-node';
import { formatSlotShape, type TensorSlot } from './tensorSlot.ts';

/** What each graph input receives; the graph decides which exist and their element types. */
type InputRole = 'input_ids' | 'attention_mask' | 'token_type_ids' | 'position_ids' | 'empty-past';

const ROLE_BY_NAME: Readonly<Record<string, InputRole>> = {
  input_ids: 'input_ids',
  attention_mask: 'attention_mask',
  token_type_ids: 'token_type_ids',
  position_ids: 'position_ids',
};

// Decoder exports with a key/value cache take past tensors; a full pass feeds them empty.
const PAST = /past|cache/i;

const INTEGER_TYPES = new Set(['int64', 'int32']);
const FEEDABLE: Readonly<Record<InputRole, ReadonlySet<string>>> = {
  input_ids: INTEGER_TYPES,
  attention_mask: new Set(['int64', 'int32', 'float32', 'bool']),
  token_type_ids: INTEGER_TYPES,
  position_ids: INTEGER_TYPES,
  'empty-past': new Set(['float32', 'float16', 'float64']),
};

export interface GraphInput {
  readonly slot: TensorSlot;
  readonly role: InputRole;
}

export type GraphInputCheck = { readonly ok: true; readonly inputs: readonly GraphInput[] } | { readonly ok: false; readonly problem: string };

/** Matches every graph input to something DONALD-D can feed; anything else is a problem naming it. */
export function checkGraphInputs(slots: readonly TensorSlot[], onnxPath: string): GraphInputCheck {
  const inputs: GraphInput[] = [];
  for (const slot of slots) {
    const role = ROLE_BY_NAME[slot.name] ?? (PAST.test(slot.name) ? 'empty-past' : undefined);
    if (!role) {
      return {
        ok: false,
        problem: `${onnxPath}: graph input '${slot.name}' is not one DONALD-D can feed (input_ids, attention_mask, token_type_ids, position_ids, past key/values); export the model for text input only`,
      };
    }
    if (!FEEDABLE[role].has(slot.type)) {
      return { ok: false, problem: `${onnxPath}: graph input '${slot.name}' is ${slot.type}, which DONALD-D cannot feed; re-export with ${[...FEEDABLE[role]].join(' or ')}` };
    }
    inputs.push({ slot, role });
  }
  if (!inputs.some((i) => i.role === 'input_ids')) {
    return { ok: false, problem: `${onnxPath}: the graph has no input_ids input (inputs: ${slots.map((s) => s.name).join(', ')}); export the model with token ids as input` };
  }
  return { ok: true, inputs };
}

/** A batch of token ids, right-padded to one length. */
export interface PaddedBatch {
  readonly rows: readonly (readonly number[])[];
  readonly tokens: number;
  readonly padId: number;
}

function integerTensor(type: string, values: readonly number[], dims: readonly number[]): Tensor {
  if (type === 'int64') return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values), dims);
  if (type === 'float32') return new Tensor('float32', Float32Array.from(values), dims);
  if (type === 'bool') return new Tensor('bool', Uint8Array.from(values), dims);
  throw new Error(`cannot build a ${type} input`);
}

/** Empty past: the batch axis gets the batch size, other symbolic axes (past length) zero. */
function emptyPast(slot: TensorSlot, batch: number): Tensor {
  const dims = slot.shape.map((d) => (typeof d === 'number' ? d : /batch/i.test(d) ? batch : 0));
  if (dims.length === 0 || !dims.includes(0)) {
    throw new Error(`past input '${slot.name}' has shape ${formatSlotShape(slot.shape)} with no sequence axis to leave empty`);
  }
  if (slot.type === 'float16') return new Tensor('float16', new Uint16Array(0), dims);
  if (slot.type === 'float64') return new Tensor('float64', new Float64Array(0), dims);
  return new Tensor('float32', new Float32Array(0), dims);
}

/** The feeds for one batch: ids padded on the right, mask 1 on real tokens, positions 0..T-1. */
export function buildFeeds(inputs: readonly GraphInput[], batch: PaddedBatch): Record<string, Tensor> {
  const B = batch.rows.length;
  const T = batch.tokens;
  const ids = new Array<number>(B * T).fill(batch.padId);
  const mask = new Array<number>(B * T).fill(0);
  batch.rows.forEach((row, b) => {
    for (let t = 0; t < row.length; t++) {
      ids[b * T + t] = row[t];
      mask[b * T + t] = 1;
    }
  });
  const feeds: Record<string, Tensor> = {};
  for (const { slot, role } of inputs) {
    switch (role) {
      case 'input_ids':
        feeds[slot.name] = integerTensor(slot.type, ids, [B, T]);
        break;
      case 'attention_mask':
        feeds[slot.name] = integerTensor(slot.type, mask, [B, T]);
        break;
      case 'token_type_ids':
        feeds[slot.name] = integerTensor(slot.type, new Array<number>(B * T).fill(0), [B, T]);
        break;
      case 'position_ids':
        feeds[slot.name] = integerTensor(slot.type, Array.from({ length: B * T }, (_, i) => i % T), [B, T]);
        break;
      case 'empty-past':
        feeds[slot.name] = emptyPast(slot, B);
        break;
    }
  }
  return feeds;
}
