import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { ExpectedCounts } from './loadCorpus.ts';

/** What the finished study wrote, read back independently of its writers (hyparquet, not parquet-wasm). */
export interface OutputCheck {
  readonly manifestCounts: ExpectedCounts;
  readonly manifestMode: string;
  readonly manifestSeconds: number;
  readonly sentencesRows: number;
  readonly distinctSentenceIds: number;
  readonly failuresLines: number;
  /** Every way the outputs disagree with the corpus's own count; empty when exact. */
  readonly problems: string[];
}

interface ManifestView {
  readonly counts: ExpectedCounts;
  readonly mode: string;
  readonly seconds: number;
}

export async function checkOutputs(outDir: string, expected: ExpectedCounts): Promise<OutputCheck> {
  const manifest = JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as ManifestView;
  const bytes = await readFile(path.join(outDir, 'sentences.parquet'));
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const sentencesRows = Number(parquetMetadata(file).num_rows);
  const ids = await parquetReadObjects({ file, columns: ['id'], compressors });
  const distinctSentenceIds = new Set(ids.map((r) => String(r.id))).size;
  const failuresText = await readFile(path.join(outDir, 'failures.jsonl'), 'utf8');
  const failuresLines = failuresText.split('\n').filter((l) => l.length > 0).length;

  const problems: string[] = [];
  for (const key of ['read', 'processed', 'failed', 'duplicate', 'empty'] as const) {
    if (manifest.counts[key] !== expected[key]) problems.push(`manifest ${key} ${manifest.counts[key]}, the corpus holds ${expected[key]}`);
  }
  if (manifest.mode !== 'distributed') problems.push(`manifest mode "${manifest.mode}", expected "distributed"`);
  if (sentencesRows !== expected.processed) problems.push(`sentences.parquet has ${sentencesRows} rows, expected ${expected.processed}`);
  if (distinctSentenceIds !== sentencesRows) problems.push(`sentences.parquet has ${sentencesRows} rows but ${distinctSentenceIds} distinct ids`);
  if (failuresLines !== expected.failed) problems.push(`failures.jsonl has ${failuresLines} lines, expected ${expected.failed}`);
  return { manifestCounts: manifest.counts, manifestMode: manifest.mode, manifestSeconds: manifest.seconds, sentencesRows, distinctSentenceIds, failuresLines, problems };
}
