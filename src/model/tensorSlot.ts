import type { InferenceSession } from 'onnxruntime-node';

/** A graph input or output as the session declares it: name, element type, shape. */
export interface TensorSlot {
  readonly name: string;
  /** onnxruntime's element type name (float32, float16, int64, ...); 'non-tensor' for maps/sequences. */
  readonly type: string;
  /** Fixed sizes as numbers, symbolic ones (batch_size) as strings; empty when undeclared. */
  readonly shape: readonly (number | string)[];
}

export function tensorSlots(metadata: readonly InferenceSession.ValueMetadata[]): TensorSlot[] {
  return metadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }));
}

export function formatSlotShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}
