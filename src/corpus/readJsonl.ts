import { corpusColumns } from './corpusColumns.ts';
import type { CorpusFile } from './corpusFile.ts';
import { invalidRecord, textRecord } from './corpusRecords.ts';
import type { CorpusRecord } from './corpusTypes.ts';
import { readLines } from './lineStream.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One JSON object per line, with the text under the text key and optional id and domain keys. */
export async function* readJsonlRecords(file: CorpusFile): AsyncGenerator<CorpusRecord> {
  const columns = corpusColumns(file.source);
  for await (const source of readLines(file.path)) {
    const line = source.number;
    const raw = source.text;
    if (source.problem !== null) {
      yield invalidRecord(file, line, raw, source.problem);
      continue;
    }
    if (raw.trim().length === 0) {
      yield textRecord(file, line, '');
      continue;
    }
    const where = `${file.path} line ${line}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      yield invalidRecord(file, line, raw, `${where}: not valid JSON (${detail}); write one JSON object per line`);
      continue;
    }
    if (!isPlainObject(parsed)) {
      yield invalidRecord(file, line, raw, `${where}: expected a JSON object like {"${columns.text}": "..."}`);
      continue;
    }
    const id = parsed[columns.id];
    const domain = parsed[columns.domain];
    const text = parsed[columns.text];
    const ownId = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
    if (ownId !== undefined && ownId !== null && typeof ownId !== 'string') {
      yield invalidRecord(file, line, raw, `${where}: "${columns.id}" must be a string or a number`);
      continue;
    }
    if (domain !== undefined && domain !== null && typeof domain !== 'string') {
      yield invalidRecord(file, line, raw, `${where}: "${columns.domain}" must be a string`, { id: ownId ?? undefined });
      continue;
    }
    const own = { id: ownId ?? undefined, domain: domain ?? undefined };
    if (text === undefined) {
      yield invalidRecord(file, line, raw, `${where}: no "${columns.text}" key; add it or set textColumn in the corpus entry`, own);
    } else if (typeof text !== 'string') {
      yield invalidRecord(file, line, raw, `${where}: "${columns.text}" must be a string`, own);
    } else {
      yield textRecord(file, line, text, own);
    }
  }
}
