import { writeFile } from 'node:fs/promises';
import { UserError } from '../userError.ts';
import { decodeFloats, FLOAT_BYTES, type FloatKind } from './floatDecoding.ts';
import { elementCount, formatShape, type NumericTensor } from './numericTensor.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const FLOAT_DESCR: Record<string, FloatKind> = { f2: 'f16', f4: 'f32', f8: 'f64' };

/** Human names for the dtypes people actually hit, so the message says what was found. */
const KIND_NAMES: Record<string, string> = { i: 'signed integer', u: 'unsigned integer', b: 'boolean', O: 'Python object', c: 'complex', U: 'unicode string', S: 'byte string', V: 'raw void', M: 'datetime', m: 'timedelta' };

interface NpyHeader {
  readonly kind: FloatKind;
  readonly littleEndian: boolean;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  readonly dataStart: number;
}

/** Parses a .npy file (format versions 1-3) into a C-order float tensor. */
export function parseNpy(bytes: Uint8Array, source: string): NumericTensor {
  const header = parseHeader(bytes, source);
  const count = elementCount(header.shape);
  const needed = count * FLOAT_BYTES[header.kind];
  const available = bytes.length - header.dataStart;
  if (available < needed) {
    throw new UserError(`${source}: truncated: shape ${formatShape(header.shape)} needs ${needed} data bytes but the file has ${available}; re-save it`);
  }
  const raw = decodeFloats(bytes.subarray(header.dataStart), header.kind, count, header.littleEndian);
  const data = header.fortranOrder ? fortranToC(raw, header.shape) : raw;
  return { shape: header.shape, data };
}

function parseHeader(bytes: Uint8Array, source: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new UserError(`${source}: not a .npy file (it does not start with \\x93NUMPY); save it with numpy.save`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new UserError(`${source}: unsupported .npy format version ${major}; save it with numpy.save (versions 1-3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new UserError(`${source}: truncated inside the .npy header; re-save it`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new UserError(`${source}: truncated inside the .npy header; re-save it`);
  // Versions 1-2 store the header in latin1, version 3 in UTF-8 (NEP 1).
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (!descr) {
    const structured = /['"]descr['"]\s*:\s*\[/.test(text);
    throw new UserError(`${source}: ${structured ? 'structured (record) dtype' : 'no dtype in the .npy header'}; hidden states must be a plain float16/32/64 array`);
  }
  const { kind, littleEndian } = parseDescr(descr[1], source);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!fortran || !shapeMatch) throw new UserError(`${source}: malformed .npy header ${JSON.stringify(text.trim())}; re-save it with numpy.save`);
  const shape = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new UserError(`${source}: malformed shape (${shapeMatch[1]}) in the .npy header; re-save it`);
  return { kind, littleEndian, fortranOrder: fortran[1] === 'True', shape, dataStart };
}

function parseDescr(descr: string, source: string): { kind: FloatKind; littleEndian: boolean } {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  const float = m && m[2] === 'f' ? FLOAT_DESCR[`f${m[3]}`] : undefined;
  if (!m || !float) {
    const what = m ? (m[2] === 'f' ? `float${Number(m[3]) * 8}` : (KIND_NAMES[m[2]] ?? 'non-float')) : 'unknown';
    throw new UserError(`${source}: dtype ${descr} (${what}) is not supported; hidden states must be float16, float32 or float64`);
  }
  // '=' is native order; every platform Node runs on for this tool is little-endian.
  return { kind: float, littleEndian: m[1] !== '>' };
}

/** Reorders column-major data into row-major for the same shape. */
function fortranToC(data: Float32Array | Float64Array, shape: readonly number[]): Float32Array | Float64Array {
  const out = data instanceof Float64Array ? new Float64Array(data.length) : new Float32Array(data.length);
  const rank = shape.length;
  if (rank < 2 || out.length === 0) {
    out.set(data);
    return out;
  }
  const fStride: number[] = [];
  for (let k = 0, s = 1; k < rank; k++) {
    fStride.push(s);
    s *= shape[k];
  }
  // Walk the C order with an odometer, keeping the matching Fortran offset up to date.
  const index = new Array<number>(rank).fill(0);
  let fOffset = 0;
  for (let c = 0; c < out.length; c++) {
    out[c] = data[fOffset];
    for (let k = rank - 1; k >= 0; k--) {
      index[k]++;
      fOffset += fStride[k];
      if (index[k] < shape[k]) break;
      fOffset -= fStride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

/** A C-order little-endian .npy file (float32 or float64), as numpy.save would write it. */
export function encodeNpy(shape: readonly number[], data: Float64Array | Float32Array): Uint8Array {
  if (elementCount(shape) !== data.length) throw new RangeError(`shape ${formatShape(shape)} does not hold ${data.length} values`);
  const descr = data instanceof Float64Array ? '<f8' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads the header with spaces so the data starts on a 64-byte boundary.
  const paddedLength = (prefix: number): number => Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  // Version 1 has a 2-byte header length; only absurdly many axes need version 2.
  const v1 = paddedLength(10) <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const padded = paddedLength(prefix);
  const header = dict.padEnd(padded - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), prefix);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prefix + header.length);
  return out;
}

export async function writeNpy(path: string, shape: readonly number[], data: Float64Array | Float32Array): Promise<void> {
  await writeFile(path, encodeNpy(shape, data));
}
