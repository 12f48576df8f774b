import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHiddenStateFile, type HiddenStateFileOptions } from '../src/hidden/hiddenStateFile.ts';
import type { Layout } from '../src/hidden/layout.ts';
import { encodeNpy, writeNpy } from '../src/hidden/npy.ts';
import { encodeSafetensors, type SafetensorsDtype } from '../src/hidden/safetensors.ts';
import { readTokenLabels } from '../src/hidden/tokenLabels.ts';
import { UserError } from '../src/userError.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'donald-hidden-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Canonical hidden states: E[l, t, h] = l + t/8 + h/64 - 1. Every value is exact in float16 and
// bfloat16 (few significant bits), so every dtype must give back exactly these numbers.
const L = 4;
const T = 3;
const H = 5;
const value = (l: number, t: number, h: number): number => l + t / 8 + h / 64 - 1;
const canonical = Array.from({ length: L * T * H }, (_, i) => value(Math.floor(i / (T * H)), Math.floor(i / H) % T, i % H));

/** The canonical numbers laid out in `layout`; other sentences of a batch axis hold 99. */
function arrange(layout: Layout, batch = 1, chosen = 0): { shape: number[]; values: number[] } {
  const size: Record<string, number> = { B: batch, L, T, D: H };
  const shape = [...layout].map((axis) => size[axis]);
  const count = shape.reduce((n, d) => n * d, 1);
  const values: number[] = [];
  for (let flat = 0; flat < count; flat++) {
    const index: Record<string, number> = {};
    let rest = flat;
    for (let k = layout.length - 1; k >= 0; k--) {
      index[layout[k]] = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
    }
    values.push((index.B ?? chosen) === chosen ? value(index.L, index.T, index.D) : 99);
  }
  return { shape, values };
}

/** float -> IEEE half bits, for values that are exactly representable (all test values are). */
function halfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  const e = Math.floor(Math.log2(a));
  if (e < -14) return sign | Math.round(a / 2 ** -24);
  return sign | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

type Kind = 'f2' | 'f4' | 'f8' | 'bf16';
const SIZE: Record<Kind, number> = { f2: 2, f4: 4, f8: 8, bf16: 2 };

/** Element bytes written independently of the reader under test. */
function elementBytes(values: readonly number[], kind: Kind, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(values.length * SIZE[kind]);
  const view = new DataView(out.buffer);
  const f32 = new DataView(new ArrayBuffer(4));
  values.forEach((v, i) => {
    if (kind === 'f8') view.setFloat64(i * 8, v, littleEndian);
    else if (kind === 'f4') view.setFloat32(i * 4, v, littleEndian);
    else if (kind === 'f2') view.setUint16(i * 2, halfBits(v), littleEndian);
    else {
      f32.setFloat32(0, v);
      view.setUint16(i * 2, f32.getUint32(0) >>> 16, littleEndian);
    }
  });
  return out;
}

/** A .npy file from a header dict, as numpy writes it, in format version 1, 2 or 3. */
function craftNpy(dict: string, body: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const header = Buffer.from(dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n', version === 3 ? 'utf8' : 'latin1');
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(body, prefix + header.length);
  return out;
}

function npyDict(descr: string, shape: readonly number[], fortran = false): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
}

/** Column-major order of a row-major list for `shape`. */
function fortranOrder(values: readonly number[], shape: readonly number[]): number[] {
  const out = new Array<number>(values.length);
  const rank = shape.length;
  for (let c = 0; c < values.length; c++) {
    let rest = c;
    const index = new Array<number>(rank);
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
    }
    let f = 0;
    for (let k = rank - 1; k >= 0; k--) f = f * shape[k] + index[k];
    out[f] = values[c];
  }
  return out;
}

async function fixture(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

async function expectCanonical(file: string, opts: HiddenStateFileOptions = {}): Promise<void> {
  const h = await readHiddenStateFile(file, opts);
  expect([h.layers, h.tokens, h.hidden]).toEqual([L, T, H]);
  expect(Array.from(h.data)).toEqual(canonical);
}

/** The reader must refuse with one line that names the file and contains every fragment. */
async function expectRefusal(file: string, fragments: readonly string[], opts: HiddenStateFileOptions = {}): Promise<void> {
  const err = await readHiddenStateFile(file, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const message = (err as Error).message;
  expect(message).toContain(path.basename(file));
  expect(message).not.toContain('\n');
  for (const f of fragments) expect(message).toContain(f);
}

describe('.npy', () => {
  for (const kind of ['f2', 'f4', 'f8'] as const) {
    for (const endian of ['<', '>'] as const) {
      for (const fortran of [false, true]) {
        it(`reads ${endian}${kind} in ${fortran ? 'Fortran' : 'C'} order`, async () => {
          const { shape, values } = arrange('LTD');
          const body = elementBytes(fortran ? fortranOrder(values, shape) : values, kind, endian === '<');
          const file = await fixture(`${kind}-${endian === '<' ? 'le' : 'be'}-${fortran ? 'F' : 'C'}.npy`, craftNpy(npyDict(`${endian}${kind}`, shape, fortran), body));
          await expectCanonical(file);
          const h = await readHiddenStateFile(file);
          expect(h.data).toBeInstanceOf(kind === 'f8' ? Float64Array : Float32Array);
        });
      }
    }
  }

  it('reads format versions 2 and 3', async () => {
    const { shape, values } = arrange('LTD');
    for (const version of [2, 3]) {
      const file = await fixture(`v${version}.npy`, craftNpy(npyDict('<f8', shape), elementBytes(values, 'f8', true), version));
      await expectCanonical(file);
    }
  });

  it('transposes a Fortran-order [T, L, H] file with --layout TLD', async () => {
    const { shape, values } = arrange('TLD');
    const file = await fixture('tld-fortran.npy', craftNpy(npyDict('<f4', shape, true), elementBytes(fortranOrder(values, shape), 'f4', true)));
    await expectCanonical(file, { layout: 'TLD' });
  });

  for (const [layout, opts] of [
    ['LTD', {}],
    ['TLD', { layers: L }],
    ['BLTD', { batchIndex: 1, layers: L }],
    ['LBTD', { batchIndex: 2, layers: L }],
  ] as const) {
    it(`round-trips ${layout} through writeNpy (float64 and float32)`, async () => {
      const { shape, values } = arrange(layout, 3, opts.batchIndex ?? 0);
      await writeNpy(path.join(dir, `${layout}.npy`), shape, Float64Array.from(values));
      await expectCanonical(path.join(dir, `${layout}.npy`), opts);
      await expectCanonical(path.join(dir, `${layout}.npy`), { ...opts, layout });
      await writeNpy(path.join(dir, `${layout}-32.npy`), shape, Float32Array.from(values));
      await expectCanonical(path.join(dir, `${layout}-32.npy`), opts);
    });
  }

  it('keeps the embedding row flag', async () => {
    const { shape, values } = arrange('LTD');
    const file = await fixture('embedding.npy', encodeNpy(shape, Float64Array.from(values)));
    expect((await readHiddenStateFile(file)).includesEmbedding).toBe(true);
    expect((await readHiddenStateFile(file, { embeddingRow: false })).includesEmbedding).toBe(false);
  });

  it('refuses truncated data', async () => {
    const full = encodeNpy([L, T, H], Float64Array.from(canonical));
    const file = await fixture('truncated.npy', full.subarray(0, full.length - 8));
    await expectRefusal(file, ['truncated', `needs ${L * T * H * 8} data bytes but the file has ${L * T * H * 8 - 8}`]);
  });

  it('refuses integer, object and structured dtypes', async () => {
    await expectRefusal(await fixture('ints.npy', craftNpy(npyDict('<i4', [L, T, H]), new Uint8Array(L * T * H * 4))), ['dtype <i4 (signed integer)', 'float16, float32 or float64']);
    await expectRefusal(await fixture('objects.npy', craftNpy(npyDict('|O', [L, T, H]), new Uint8Array(8))), ['dtype |O (Python object)']);
    const structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }";
    await expectRefusal(await fixture('structured.npy', craftNpy(structured, new Uint8Array(8))), ['structured (record) dtype']);
  });

  it('refuses NaN and Inf, saying where', async () => {
    const withNaN = Float64Array.from(canonical);
    withNaN[(2 * T + 1) * H + 3] = NaN;
    await writeNpy(path.join(dir, 'nan.npy'), [L, T, H], withNaN);
    await expectRefusal(path.join(dir, 'nan.npy'), ['NaN at layer array 2, token 1, unit 3']);
    const withInf = [...canonical];
    withInf[4] = Infinity;
    await expectRefusal(await fixture('inf-f16.npy', craftNpy(npyDict('<f2', [L, T, H]), elementBytes(withInf, 'f2', true))), ['+Inf at layer array 0, token 0, unit 4']);
  });

  it('refuses files that are not .npy', async () => {
    await expectRefusal(await fixture('text.npy', 'layer,token,value\n'), ['not a .npy file']);
  });
});

describe('.safetensors', () => {
  const tensor = (name: string, dtype: SafetensorsDtype, shape: readonly number[], values: readonly number[]) => ({
    name,
    dtype,
    shape,
    bytes: elementBytes(values, ({ F16: 'f2', BF16: 'bf16', F32: 'f4', F64: 'f8' } as const)[dtype], true),
  });

  for (const dtype of ['F16', 'BF16', 'F32', 'F64'] as const) {
    it(`reads one stacked ${dtype} tensor`, async () => {
      const { shape, values } = arrange('LTD');
      await expectCanonical(await fixture(`one-${dtype}.safetensors`, encodeSafetensors([tensor('states', dtype, shape, values)])));
    });
  }

  it('prefers the tensor named hidden_states among several', async () => {
    const { shape, values } = arrange('TLD');
    const file = await fixture('named.safetensors', encodeSafetensors([tensor('logits', 'F32', [2], [1, 2]), tensor('hidden_states', 'F32', shape, values)]));
    await expectCanonical(file, { layout: 'TLD' });
  });

  it('stacks per-layer tensors in numeric order of N', async () => {
    // 11 layers, so string order (0, 1, 10, 2, ...) would be wrong.
    const layers = 11;
    const perLayer = (l: number): number[] => Array.from({ length: T * H }, (_, i) => l + i / 64);
    const order = [3, 10, 0, 7, 1, 9, 2, 8, 4, 6, 5];
    for (const [style, shape] of [
      ['hidden_states.N', [T, H]],
      ['hidden_states_N', [1, T, H]],
      ['layer.N', [T, H]],
    ] as const) {
      const name = (l: number): string => style.replace('N', String(l));
      const file = await fixture(`${style}.safetensors`, encodeSafetensors([tensor('input_ids', 'F32', [T], [1, 2, 3]), ...order.map((l) => tensor(name(l), 'F32', shape, perLayer(l)))]));
      const h = await readHiddenStateFile(file, { layers: 10 });
      expect([h.layers, h.tokens, h.hidden]).toEqual([layers, T, H]);
      expect(Array.from(h.data)).toEqual(Array.from({ length: layers }, (_, l) => perLayer(l)).flat());
    }
  });

  it('follows a layout declared in the metadata, and reads a lone per-layer tensor as one layer', async () => {
    const { shape, values } = arrange('TLD');
    await expectCanonical(await fixture('meta.safetensors', encodeSafetensors([tensor('states', 'F64', shape, values)], { layout: 'TLD' })));
    const lone = await fixture('lone.safetensors', encodeSafetensors([tensor('layer.0', 'F32', [T, H], canonical.slice(0, T * H))]));
    const h = await readHiddenStateFile(lone, { embeddingRow: false });
    expect([h.layers, h.tokens, h.hidden, h.includesEmbedding]).toEqual([1, T, H, false]);
    expect(Array.from(h.data)).toEqual(canonical.slice(0, T * H));
  });

  it('refuses unnamed tensors, listing them', async () => {
    const file = await fixture('unnamed.safetensors', encodeSafetensors([tensor('a', 'F32', [1], [1]), tensor('b', 'F32', [1], [2])]));
    await expectRefusal(file, ['holds "a", "b"', 'hidden_states']);
  });

  it('refuses a missing layer, mismatched layers and a layout flag for per-layer tensors', async () => {
    const values = Array.from({ length: T * H }, () => 0.5);
    const gap = await fixture('gap.safetensors', encodeSafetensors([0, 1, 3].map((l) => tensor(`layer.${l}`, 'F32', [T, H], values))));
    await expectRefusal(gap, ['skip N=2']);
    const mismatch = await fixture('mismatch.safetensors', encodeSafetensors([tensor('layer.0', 'F32', [T, H], values), tensor('layer.1', 'F32', [H, T], values)]));
    await expectRefusal(mismatch, ['"layer.1" has shape [5, 3]']);
    const ok = await fixture('perlayer.safetensors', encodeSafetensors([0, 1].map((l) => tensor(`layer.${l}`, 'F32', [T, H], values))));
    await expectRefusal(ok, ['--layout TLD does not apply'], { layout: 'TLD' });
  });

  it('refuses integer dtypes and truncated data', async () => {
    // Same-length dtype name, so the header offsets stay valid.
    const header = Buffer.from(encodeSafetensors([tensor('hidden_states', 'F32', [L, T, H], canonical)]));
    header.write('"I32"', header.indexOf('"F32"'), 'latin1');
    await expectRefusal(await fixture('ints.safetensors', header), ['dtype I32', 'F16, BF16, F32 or F64']);
    const full = encodeSafetensors([tensor('hidden_states', 'F64', [L, T, H], canonical)]);
    await expectRefusal(await fixture('short.safetensors', full.subarray(0, full.length - 16)), ['truncated']);
    await expectRefusal(await fixture('tiny.safetensors', new Uint8Array(4)), ['too short']);
  });
});

describe('.json', () => {
  const nested = (): number[][][] => Array.from({ length: L }, (_, l) => Array.from({ length: T }, (_, t) => Array.from({ length: H }, (_, h) => value(l, t, h))));

  it('reads a bare nested array and the hidden_states / hidden wrappers', async () => {
    await expectCanonical(await fixture('bare.json', JSON.stringify(nested())));
    await expectCanonical(await fixture('wrapped.json', JSON.stringify({ hidden_states: nested() })));
    await expectCanonical(await fixture('spec.json', JSON.stringify({ name: 'x', hidden: nested() })));
  });

  it('follows a declared layout', async () => {
    const { values } = arrange('TLD');
    const tld = Array.from({ length: T }, (_, t) => Array.from({ length: L }, (_, l) => values.slice((t * L + l) * H, (t * L + l + 1) * H)));
    await expectCanonical(await fixture('declared.json', JSON.stringify({ layout: 'TLD', hidden: tld })));
  });

  it('names the first ragged entry', async () => {
    const ragged = nested();
    ragged[2][1] = ragged[2][1].slice(0, 4);
    await expectRefusal(await fixture('ragged.json', JSON.stringify({ hidden: ragged })), ['hidden[2][1] has 4 entries but hidden[0][0] has 5', 'rectangular']);
    const flat = nested() as unknown[][];
    flat[1][2] = 0.5;
    await expectRefusal(await fixture('flat.json', JSON.stringify(flat)), ['[1][2] is a number where an array of 5 was expected']);
  });

  it('refuses nulls, strings, bad JSON and unknown keys', async () => {
    const withNull = nested() as unknown[][][];
    withNull[0][0][2] = null;
    await expectRefusal(await fixture('null.json', JSON.stringify({ hidden_states: withNull })), ['hidden_states[0][0][2] is null']);
    const withString = nested() as unknown[][][];
    withString[3][2][4] = '1.0';
    await expectRefusal(await fixture('string.json', JSON.stringify(withString)), ['[3][2][4] is a string']);
    await expectRefusal(await fixture('broken.json', '[[[1, 2]'), ['not valid JSON']);
    await expectRefusal(await fixture('keys.json', JSON.stringify({ states: [] })), ['found "states"']);
    await expectRefusal(await fixture('badlayout.json', JSON.stringify({ layout: 'XYZ', hidden: nested() })), ['"layout" is "XYZ"']);
  });
});

describe('any file', () => {
  it('refuses missing files and unknown extensions', async () => {
    await expectRefusal(path.join(dir, 'absent.npy'), ['no such file']);
    await expectRefusal(await fixture('states.pt', 'x'), ['unsupported file type ".pt"', '.npy, .safetensors, .json']);
  });

  it('reads token labels', async () => {
    expect(await readTokenLabels(await fixture('tokens.json', JSON.stringify(['The', 'cat', 'sat'])))).toEqual(['The', 'cat', 'sat']);
    await expect(readTokenLabels(await fixture('tokens-bad.json', JSON.stringify(['The', 3])))).rejects.toThrow('tokens-bad.json: token labels must be');
  });
});
