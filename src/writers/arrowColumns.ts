import { Field, Float64, Int32, Int64, List, Utf8, makeData, type Data } from 'apache-arrow';

/**
 * Builders for Arrow column data straight from typed arrays: the sentence writer moves
 * millions of floats per row group, which the generic per-value Arrow builders make slow.
 */

const MAX_INT32_OFFSET = 2 ** 31 - 1;
const utf8Encoder = new TextEncoder();

export function float64ListType(): List<Float64> {
  return new List(new Field('item', new Float64(), false));
}

export function utf8ListType(): List<Utf8> {
  return new List(new Field('item', new Utf8(), false));
}

function offsetsOf(lengths: readonly number[]): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  let total = 0;
  lengths.forEach((length, i) => {
    total += length;
    if (total > MAX_INT32_OFFSET) throw new RangeError('Arrow batch too large for 32-bit offsets; write fewer rows per batch');
    offsets[i + 1] = total;
  });
  return offsets;
}

export function int32Data(values: readonly number[]): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) });
}

export function utf8Data(values: readonly string[]): Data<Utf8> {
  const encoded = values.map((value) => utf8Encoder.encode(value));
  const valueOffsets = offsetsOf(encoded.map((bytes) => bytes.length));
  const bytes = new Uint8Array(valueOffsets[values.length]);
  encoded.forEach((chunk, i) => bytes.set(chunk, valueOffsets[i]));
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets, data: bytes });
}

export function float64ListData(lists: readonly Float64Array[]): Data<List<Float64>> {
  const valueOffsets = offsetsOf(lists.map((list) => list.length));
  const values = new Float64Array(valueOffsets[lists.length]);
  lists.forEach((list, i) => values.set(list, valueOffsets[i]));
  const child = makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
  return makeData({ type: float64ListType(), length: lists.length, nullCount: 0, valueOffsets, child });
}

export function utf8ListData(lists: readonly (readonly string[])[]): Data<List<Utf8>> {
  const valueOffsets = offsetsOf(lists.map((list) => list.length));
  const child = utf8Data(lists.flat());
  return makeData({ type: utf8ListType(), length: lists.length, nullCount: 0, valueOffsets, child });
}

/** Float64 column where null marks an undefined statistic (e.g. an SD of one value). */
export function nullableFloat64Data(values: readonly (number | null)[]): Data<Float64> {
  const data = new Float64Array(values.length);
  const validity = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, i) => {
    if (value === null) {
      nullCount++;
      return;
    }
    data[i] = value;
    validity[i >> 3] |= 1 << (i & 7);
  });
  return makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap: nullCount > 0 ? validity : null, data });
}

export function int64Data(values: readonly number[]): Data<Int64> {
  return makeData({ type: new Int64(), length: values.length, nullCount: 0, data: BigInt64Array.from(values, (value) => BigInt(value)) });
}
