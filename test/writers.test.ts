import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData, type ParquetRow } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { wasmMemory } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../src/math/matrix.ts';
import { duckRanking } from '../src/stats/duckRanking.ts';
import { LayerStatsAccumulator, type LayerStatsRow } from '../src/stats/layerStatsAccumulator.ts';
import { FailuresWriter } from '../src/writers/failuresWriter.ts';
import { LayerStatsWriter } from '../src/writers/layerStatsWriter.ts';
import { ManifestWriter, sha256File, type StudyManifest } from '../src/writers/manifestWriter.ts';
import { RankingWriter } from '../src/writers/rankingWriter.ts';
import { SentencesWriter, type SentenceRecord } from '../src/writers/sentencesWriter.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donald-writers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readParquet(file: string): Promise<{ metadata: FileMetaData; rows: ParquetRow[]; columns: string[] }> {
  const bytes = await readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(buffer);
  const rows = await parquetReadObjects({ file: buffer, compressors });
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  return { metadata, rows, columns };
}

function codecs(metadata: FileMetaData): Set<string> {
  return new Set(metadata.row_groups.flatMap((group) => group.columns.map((column) => column.meta_data?.codec ?? 'missing')));
}

/** RFC 4180 parser (quoted fields, doubled quotes): the test's own reader, independent of csv-stringify. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

function layerStatsRows(): LayerStatsRow[] {
  const accumulator = new LayerStatsAccumulator();
  const add = (domain: string, u: number[]) =>
    accumulator.add(domain, {
      utilisation: Float64Array.from(u),
      meanAnisotropy: Float64Array.from(u, (x) => x / 3),
      blockInfluence: Float64Array.from(u, (x) => 1 - x),
      angularDistance: Float64Array.from(u, (x) => x / 7),
      firstLayer: 1,
    });
  add('news, "daily"', [0.1, 0.52, 0.9]);
  add('news, "daily"', [0.3, 0.41, 0.8]);
  add('fiction', [0.2, 0.6, 0.7]); // a single sentence: sd, se and CI are null
  return accumulator.rows();
}

const LAYER_STATS_COLUMNS = [
  'domain', 'layer', 'n', 'utilisationMean', 'utilisationSd', 'utilisationSe', 'utilisationCiLow', 'utilisationCiHigh',
  'anisotropyMean', 'anisotropySd', 'blockInfluenceMean', 'blockInfluenceSd', 'angularDistanceMean', 'angularDistanceSd',
];

describe('LayerStatsWriter', () => {
  const rows = layerStatsRows();
  let files: Awaited<ReturnType<LayerStatsWriter['write']>>;
  beforeAll(async () => {
    files = await new LayerStatsWriter(path.join(dir, 'stats')).write(rows);
  });

  it('has rows with and without null statistics to exercise', () => {
    expect(rows.some((r) => r.utilisationSd === null)).toBe(true);
    expect(rows.some((r) => r.utilisationSd !== null)).toBe(true);
  });

  it('writes a zstd Parquet file that hyparquet reads back exactly', async () => {
    const { metadata, rows: read, columns } = await readParquet(files.parquet);
    expect(columns).toEqual(LAYER_STATS_COLUMNS);
    expect(codecs(metadata)).toEqual(new Set(['ZSTD']));
    expect(read.map((r) => ({ ...r }))).toEqual(rows.map((r) => ({ ...r, n: BigInt(r.n) })));
  });

  it('writes an Arrow IPC file with the typed schema', async () => {
    const table = tableFromIPC(await readFile(files.arrow));
    expect(table.schema.fields.map((f) => f.name)).toEqual(LAYER_STATS_COLUMNS);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`).slice(0, 5)).toEqual([
      'domain:Utf8:false',
      'layer:Int32:false',
      'n:Int64:false',
      'utilisationMean:Float64:false',
      'utilisationSd:Float64:true',
    ]);
    expect(table.numRows).toBe(rows.length);
    const back = table.toArray().map((row) => row.toJSON());
    expect(back).toEqual(rows.map((r) => ({ ...r, n: BigInt(r.n) })));
  });

  it('writes a CSV with a header row that parses back to the same values', async () => {
    const [header, ...records] = parseCsv(await readFile(files.csv, 'utf8'));
    expect(header).toEqual(LAYER_STATS_COLUMNS);
    expect(records.length).toBe(rows.length);
    records.forEach((record, i) => {
      const expected = rows[i];
      expect(record[0]).toBe(expected.domain);
      LAYER_STATS_COLUMNS.slice(1).forEach((column, j) => {
        const value = expected[column as keyof LayerStatsRow];
        // Numbers are printed in shortest round-trip form, so parsing restores them exactly.
        expect(record[j + 1] === '' ? null : Number(record[j + 1])).toBe(value);
      });
    });
  });
});

describe('RankingWriter', () => {
  const rankings = duckRanking(layerStatsRows());
  let files: Awaited<ReturnType<RankingWriter['write']>>;
  beforeAll(async () => {
    files = await new RankingWriter(path.join(dir, 'ranking')).write(rankings);
  });

  it('writes ranking.json per domain with the Spearman correlations', async () => {
    const json: unknown = JSON.parse(await readFile(files.json, 'utf8'));
    expect(json).toEqual(rankings.map((r) => ({ ...r, layers: r.layers.map((l) => ({ ...l })) })));
    expect(Object.keys((json as Record<string, unknown>[])[0])).toEqual(['domain', 'spearmanDuckVsBlockInfluence', 'spearmanDuckVsAngular', 'layers']);
  });

  it('writes ranking.csv with one row per (domain, layer) in DUCK order', async () => {
    const [header, ...records] = parseCsv(await readFile(files.csv, 'utf8'));
    expect(header.slice(0, 4)).toEqual(['domain', 'duckRank', 'layer', 'n']);
    const flat = rankings.flatMap((r) => r.layers);
    expect(records.length).toBe(flat.length);
    records.forEach((record, i) => {
      const expected = flat[i];
      header.forEach((column, j) => {
        const value = expected[column as keyof typeof expected];
        expect(typeof value === 'string' ? record[j] : record[j] === '' ? null : Number(record[j])).toBe(value);
      });
    });
  });
});

function matrix(rows: number, cols: number, seed: number): Matrix {
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, (_, i) => seed + i / 1000) };
}

function sentence(i: number, layers: number): SentenceRecord {
  const tokens = Array.from({ length: 1 + (i % 5) }, (_, t) => (t === 0 ? `▁s${i}` : `tok${t}-é`));
  return {
    id: `doc-${i}`,
    domain: i % 3 === 0 ? 'news' : 'fiction',
    tokens,
    utilisation: Float64Array.from({ length: layers }, (_, l) => (i + l) / 100),
    meanAnisotropy: Float64Array.from({ length: layers }, (_, l) => 1 / (i + l + 1)),
    fields: { anisotropy: matrix(layers, tokens.length, i), angle: matrix(layers, tokens.length, -i) },
  };
}

describe('SentencesWriter', () => {
  it('streams row groups and hyparquet reads back every row in order, with fields', async () => {
    const out = path.join(dir, 'sentences-fields');
    const writer = new SentencesWriter(out, { fields: true, rowsPerGroup: 8 });
    const written = Array.from({ length: 30 }, (_, i) => sentence(i, 3));
    for (const record of written) await writer.append(record);
    expect(await writer.close()).toEqual({ rows: 30, rowGroups: 4, files: [writer.path] });
    expect(await readdir(out)).toEqual(['sentences.parquet']); // the temporary file is gone

    const { metadata, rows, columns } = await readParquet(writer.path);
    expect(columns).toEqual(['id', 'domain', 'tokenCount', 'tokens', 'utilisation', 'meanAnisotropy', 'layers', 'anisotropy', 'angle']);
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([8, 8, 8, 6]);
    expect(codecs(metadata)).toEqual(new Set(['ZSTD']));
    expect(rows.map((r) => ({ ...r }))).toEqual(
      written.map((s) => ({
        id: s.id,
        domain: s.domain,
        tokenCount: s.tokens.length,
        tokens: s.tokens,
        utilisation: Array.from(s.utilisation),
        meanAnisotropy: Array.from(s.meanAnisotropy),
        layers: 3,
        anisotropy: Array.from(s.fields?.anisotropy.data ?? []),
        angle: Array.from(s.fields?.angle.data ?? []),
      })),
    );
  });

  it('without fields writes only the per-layer columns', async () => {
    const writer = new SentencesWriter(path.join(dir, 'sentences-plain'), { rowsPerGroup: 4 });
    const written = Array.from({ length: 9 }, (_, i) => ({ ...sentence(i, 2), fields: undefined }));
    for (const record of written) await writer.append(record);
    await writer.close();
    const { metadata, rows, columns } = await readParquet(writer.path);
    expect(columns).toEqual(['id', 'domain', 'tokenCount', 'tokens', 'utilisation', 'meanAnisotropy']);
    expect(metadata.row_groups.length).toBe(3);
    expect(rows.map((r) => r.id)).toEqual(written.map((s) => s.id));
    expect(rows[4].utilisation).toEqual([0.04, 0.05]);
  });

  it('writes a valid empty file when no sentence arrives', async () => {
    const writer = new SentencesWriter(path.join(dir, 'sentences-empty'), { fields: true });
    expect(await writer.close()).toEqual({ rows: 0, rowGroups: 0, files: [writer.path] });
    const { rows, columns } = await readParquet(writer.path);
    expect(rows).toEqual([]);
    expect(columns).toContain('anisotropy');
  });

  it('as a dataset folder, rolls over to a new part every rowGroupsPerPart groups and replaces stale parts', async () => {
    const out = path.join(dir, 'sentences-parts');
    await mkdir(path.join(out, 'sentences'), { recursive: true });
    await writeFile(path.join(out, 'sentences', 'part-00007.parquet'), 'left by an earlier run');
    const writer = new SentencesWriter(out, { fields: true, rowsPerGroup: 4, rowGroupsPerPart: 2 });
    const written = Array.from({ length: 19 }, (_, i) => sentence(i, 2));
    for (const record of written) await writer.append(record);
    const summary = await writer.close();
    const parts = ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet'];
    expect(summary).toEqual({ rows: 19, rowGroups: 5, files: parts.map((name) => path.join(writer.path, name)) });
    expect((await readdir(writer.path)).sort()).toEqual(parts);
    const read = await Promise.all(summary.files.map((file) => readParquet(file)));
    expect(read.map(({ metadata }) => metadata.row_groups.map((g) => Number(g.num_rows)))).toEqual([[4, 4], [4, 4], [3]]);
    expect(read.flatMap(({ rows }) => rows.map((r) => r.id))).toEqual(written.map((s) => s.id));
    expect(read[2].rows[2].angle).toEqual(Array.from(written[18].fields?.angle.data ?? []));
  });

  it('holds one row group at a time, not the corpus, in WebAssembly memory', async () => {
    // Encoding all 12 800 rows as one group grows wasm memory by ~36 MB (memory never shrinks, so
    // the peak shows after close); streaming 64-row groups stays within a few MB.
    const writer = new SentencesWriter(path.join(dir, 'sentences-large'), { fields: true, rowsPerGroup: 64 });
    const before = wasmMemory().buffer.byteLength;
    for (let i = 0; i < 200 * 64; i++) await writer.append(sentence(i, 12));
    expect((await writer.close()).rowGroups).toBe(200);
    expect(wasmMemory().buffer.byteLength - before).toBeLessThan(16 * 2 ** 20);
  });

  it('rejects malformed sentences on append, naming them', async () => {
    const writer = new SentencesWriter(path.join(dir, 'sentences-bad'), { fields: true });
    const good = sentence(1, 3);
    await expect(writer.append({ ...good, meanAnisotropy: Float64Array.of(1) })).rejects.toThrow(/doc-1: meanAnisotropy has 1 layers/);
    await expect(writer.append({ ...good, fields: undefined })).rejects.toThrow(/doc-1: the writer stores fields/);
    await expect(writer.append({ ...good, fields: { anisotropy: matrix(3, 9, 0), angle: matrix(3, 2, 0) } })).rejects.toThrow(
      /anisotropy is 3 x 9, expected 3 layers x 2 tokens/,
    );
    await writer.close();
  });
});

describe('FailuresWriter', () => {
  it('appends one JSON object per line and keeps earlier runs', async () => {
    const out = path.join(dir, 'failures');
    const long = `${'ä'.repeat(199)}😀tail`;
    const first = new FailuresWriter(out);
    await first.append({ id: 'a', domain: 'news', source: 'news.txt', line: 3, text: 'short', reason: 'too long', attempts: 1 });
    await first.close();
    const second = new FailuresWriter(out);
    await Promise.all([
      second.append({ id: 'b', domain: 'fiction', source: 'f.txt', line: 10, text: long, reason: 'model error', attempts: 3 }),
      second.append({ id: 'c', domain: 'fiction', source: 'f.txt', line: 11, text: 'x', reason: 'r', attempts: 2 }),
    ]);
    await second.close();
    const lines = (await readFile(second.path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    const records: unknown[] = lines.map((line) => JSON.parse(line));
    expect(records).toEqual([
      { id: 'a', domain: 'news', source: 'news.txt', line: 3, text: 'short', reason: 'too long', attempts: 1 },
      { id: 'b', domain: 'fiction', source: 'f.txt', line: 10, text: `${'ä'.repeat(199)}😀`, reason: 'model error', attempts: 3 },
      { id: 'c', domain: 'fiction', source: 'f.txt', line: 11, text: 'x', reason: 'r', attempts: 2 },
    ]);
  });
});

describe('ManifestWriter', () => {
  it('writes manifest.json and hashes files by streaming', async () => {
    const out = path.join(dir, 'manifest');
    const manifest: StudyManifest = {
      study: { name: 'demo', dti: { normalise: 'row', sigmaGrad: [1, 1] } },
      studyHash: 'cd'.repeat(32),
      model: { dir: '/models/x', onnxFile: 'model.onnx', sha256: 'ab'.repeat(32) },
      packageVersions: { 'onnxruntime-node': '1.31.1' },
      counts: { read: 10, processed: 7, failed: 1, duplicate: 1, empty: 1 },
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:00:10.000Z',
      seconds: 10,
      sentencesPerSecond: 0.7,
      mode: 'embedded',
      notes: ['random weights'],
    };
    const written = await new ManifestWriter(out).write(manifest);
    expect(JSON.parse(await readFile(written, 'utf8'))).toEqual(manifest);

    const file = path.join(out, 'abc.txt');
    await writeFile(file, 'abc');
    // FIPS 180-2 test vector for "abc".
    expect(await sha256File(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
