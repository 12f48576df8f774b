import path from 'node:path';
import type { CorpusFormat } from './corpusTypes.ts';

const FORMAT_BY_EXTENSION: Readonly<Record<string, CorpusFormat>> = {
  '.txt': 'txt',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
};

export const SUPPORTED_EXTENSIONS_TEXT = '.txt, .jsonl, .ndjson, .csv, .tsv, each optionally .gz';

export function isGzipped(file: string): boolean {
  return file.toLowerCase().endsWith('.gz');
}

/** The extension that says the format, looking past a trailing .gz. */
function formatExtension(file: string): string {
  const base = path.basename(file).toLowerCase();
  const inner = isGzipped(base) ? base.slice(0, -3) : base;
  return path.extname(inner);
}

/** The format implied by the file name, or undefined for an unsupported extension. */
export function formatFromExtension(file: string): CorpusFormat | undefined {
  return FORMAT_BY_EXTENSION[formatExtension(file)];
}

/** `news.txt.gz` -> `news`: the domain a file names when nothing more specific does. */
export function domainFromFileName(file: string): string {
  const base = path.basename(file);
  const inner = isGzipped(base) ? base.slice(0, -3) : base;
  const ext = path.extname(inner);
  return ext.length > 0 ? inner.slice(0, -ext.length) : inner;
}
