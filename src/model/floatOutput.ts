import type { Tensor } from 'onnxruntime-node';
import { decodeFloats } from '../hidden/floatDecoding.ts';

/** A graph output as plain floats: float64 stays float64, everything narrower becomes float32. */
export interface FloatOutput {
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/**
 * Widens one output tensor for the math. onnxruntime-node hands float16 back as the raw bits in
 * a Uint16Array (Node 20 has no Float16Array), so those bits are decoded, not copied as numbers.
 */
export function floatOutput(tensor: Tensor, name: string): FloatOutput {
  const dims = tensor.dims.map(Number);
  const data: unknown = tensor.data;
  switch (tensor.type) {
    case 'float32':
      if (data instanceof Float32Array) return { dims, data };
      break;
    case 'float64':
      if (data instanceof Float64Array) return { dims, data };
      break;
    case 'float16':
      if (data instanceof Uint16Array) {
        return { dims, data: decodeFloats(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 'f16', data.length, true) as Float32Array };
      }
      // A runtime with Float16Array may hand back real numbers instead of bits.
      if (ArrayBuffer.isView(data) && 'length' in data) return { dims, data: Float32Array.from(data as unknown as ArrayLike<number>) };
      break;
    default:
      break;
  }
  throw new Error(`output '${name}' is ${tensor.type}, not a float tensor`);
}
