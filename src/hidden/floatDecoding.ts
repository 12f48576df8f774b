/** The float encodings hidden-state files use; half precision widens exactly to float32. */
export type FloatKind = 'f16' | 'bf16' | 'f32' | 'f64';

export const FLOAT_BYTES: Record<FloatKind, number> = { f16: 2, bf16: 2, f32: 4, f64: 8 };

let halfTable: Float32Array | null = null;

/** All 65536 float16 values, built once: a lookup is far cheaper than bit arithmetic per element. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * fraction * 2 ** -24;
    else if (exponent === 31) table[bits] = fraction ? NaN : sign * Infinity;
    else table[bits] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

/**
 * Decodes `count` floats of `kind` from `bytes` (which must hold at least count * size bytes).
 * Always copies, so the result is aligned and independent of the file buffer.
 * float16/bfloat16/float32 give a Float32Array, float64 a Float64Array.
 */
export function decodeFloats(bytes: Uint8Array, kind: FloatKind, count: number, littleEndian: boolean): Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (kind) {
    case 'f64': {
      const out = new Float64Array(count);
      if (littleEndian) new Uint8Array(out.buffer).set(bytes.subarray(0, count * 8));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, false);
      return out;
    }
    case 'f32': {
      const out = new Float32Array(count);
      if (littleEndian) new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, false);
      return out;
    }
    case 'f16': {
      const table = halfToFloatTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, littleEndian)];
      return out;
    }
    case 'bf16': {
      // bfloat16 is the upper half of a float32, so shifting the bits back is exact.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, littleEndian) << 16;
      return out;
    }
    default: {
      const unknown: never = kind;
      throw new RangeError(`unknown float kind ${String(unknown)}`);
    }
  }
}
