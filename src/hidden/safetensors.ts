import { UserError } from '../userError.ts';
import { decodeFloats, FLOAT_BYTES, type FloatKind } from './floatDecoding.ts';
import { elementCount, formatShape, type NumericTensor } from './numericTensor.ts';

export type SafetensorsDtype = 'F16' | 'BF16' | 'F32' | 'F64';

const FLOAT_DTYPES: Record<SafetensorsDtype, FloatKind> = { F16: 'f16', BF16: 'bf16', F32: 'f32', F64: 'f64' };

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** The header of a .safetensors file, with tensors decoded only on request. */
export interface SafetensorsFile {
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  decode(name: string): NumericTensor;
}

/** Parses the container: 8-byte little-endian header length, JSON header, then the data block. */
export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  if (bytes.length < 8) throw new UserError(`${source}: too short to be a .safetensors file (${bytes.length} bytes); re-save it`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new UserError(`${source}: header length ${headerLength} exceeds the file size ${bytes.length}; the file is truncated or not .safetensors`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, Number(headerLength)).toString('utf8'));
  } catch {
    throw new UserError(`${source}: the .safetensors header is not valid JSON; the file is damaged or not .safetensors`);
  }
  if (!isRecord(header)) throw new UserError(`${source}: the .safetensors header is not a JSON object; re-save it`);

  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (isRecord(value)) metadata = Object.fromEntries(Object.entries(value).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
      continue;
    }
    entries.push(parseEntry(name, value, source));
  }
  const data = bytes.subarray(dataStart);

  return {
    entries,
    metadata,
    decode(name: string): NumericTensor {
      const entry = entries.find((e) => e.name === name);
      if (!entry) throw new RangeError(`no tensor ${name}`);
      return decodeEntry(entry, data, source);
    },
  };
}

function parseEntry(name: string, value: unknown, source: string): SafetensorsEntry {
  const malformed = (): UserError => new UserError(`${source}: tensor "${name}" has a malformed header entry; re-save the file`);
  if (!isRecord(value)) throw malformed();
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) throw malformed();
  if (!shape.every(isCount) || !offsets.every(isCount)) throw malformed();
  const [begin, end] = offsets as number[];
  if (end < begin) throw malformed();
  return { name, dtype, shape: shape as number[], begin, end };
}

function decodeEntry(entry: SafetensorsEntry, data: Uint8Array, source: string): NumericTensor {
  const kind = FLOAT_DTYPES[entry.dtype as SafetensorsDtype];
  if (!kind) {
    throw new UserError(`${source}: tensor "${entry.name}" has dtype ${entry.dtype}; hidden states must be F16, BF16, F32 or F64`);
  }
  if (entry.end > data.length) {
    throw new UserError(`${source}: truncated: tensor "${entry.name}" ends at data byte ${entry.end} but the file has ${data.length}; re-save it`);
  }
  const count = elementCount(entry.shape);
  if (entry.end - entry.begin !== count * FLOAT_BYTES[kind]) {
    throw new UserError(`${source}: tensor "${entry.name}" spans ${entry.end - entry.begin} bytes but ${entry.dtype} ${formatShape(entry.shape)} needs ${count * FLOAT_BYTES[kind]}; re-save the file`);
  }
  // safetensors is little-endian by definition.
  return { shape: entry.shape, data: decodeFloats(data.subarray(entry.begin, entry.end), kind, count, true) };
}

export interface SafetensorsTensorBytes {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Little-endian element bytes, row-major. */
  readonly bytes: Uint8Array;
}

/** Writes tensors in the safetensors container (for fixtures and for users converting files). */
export function encodeSafetensors(tensors: readonly SafetensorsTensorBytes[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  // The format pads the header with spaces to an 8-byte boundary so the data is aligned.
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
