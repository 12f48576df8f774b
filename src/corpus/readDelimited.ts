import { UserError } from '../userError.ts';
import { corpusColumns } from './corpusColumns.ts';
import type { CorpusFile } from './corpusFile.ts';
import { invalidRecord, textRecord } from './corpusRecords.ts';
import type { CorpusRecord } from './corpusTypes.ts';
import { delimitedRows } from './delimitedRows.ts';
import { readLines } from './lineStream.ts';

function columnIndex(header: readonly string[], name: string): number | undefined {
  const index = header.indexOf(name);
  return index >= 0 ? index : undefined;
}

/**
 * CSV or TSV with a header row. A header without the text column (or without an id/domain
 * column the source names explicitly) is a configuration mistake and throws; a row too short to
 * reach the text column is an invalid record.
 */
export async function* readDelimitedRecords(file: CorpusFile): AsyncGenerator<CorpusRecord> {
  const columns = corpusColumns(file.source);
  const delimiter = file.format === 'tsv' ? '\t' : ',';
  let header: readonly string[] | undefined;
  let textIndex = 0;
  let idIndex: number | undefined;
  let domainIndex: number | undefined;

  for await (const row of delimitedRows(readLines(file.path), delimiter, file.path)) {
    if (header === undefined) {
      // A header that cannot be read leaves every row without columns: the whole file is unusable.
      if (row.kind === 'malformed') throw new UserError(`${row.reason} (the header row)`);
      if (row.kind !== 'fields') {
        throw new UserError(`${file.path} line ${row.line}: expected a header row naming the columns (one of them "${columns.text}")`);
      }
      header = row.fields.map((name) => name.trim());
      const found = columnIndex(header, columns.text);
      if (found === undefined) {
        throw new UserError(`${file.path} line 1: no "${columns.text}" column (columns: ${header.join(', ')}); rename it or set textColumn in the corpus entry`);
      }
      textIndex = found;
      idIndex = columnIndex(header, columns.id);
      domainIndex = columnIndex(header, columns.domain);
      if (columns.idRequired && idIndex === undefined) {
        throw new UserError(`${file.path} line 1: no "${columns.id}" column named by idColumn (columns: ${header.join(', ')}); fix idColumn in the corpus entry`);
      }
      if (columns.domainRequired && domainIndex === undefined) {
        throw new UserError(`${file.path} line 1: no "${columns.domain}" column named by domainColumn (columns: ${header.join(', ')}); fix domainColumn in the corpus entry`);
      }
      continue;
    }
    if (row.kind === 'blank') {
      yield textRecord(file, row.line, '');
      continue;
    }
    if (row.kind === 'malformed') {
      yield invalidRecord(file, row.line, '', row.reason);
      continue;
    }
    const own = {
      id: idIndex === undefined ? undefined : row.fields[idIndex],
      domain: domainIndex === undefined ? undefined : row.fields[domainIndex],
    };
    const text = row.fields[textIndex];
    if (text === undefined) {
      yield invalidRecord(file, row.line, row.fields.join(delimiter), `${file.path} line ${row.line}: ${row.fields.length} field(s), too few to reach column "${columns.text}" (column ${textIndex + 1} of ${header.length}); give the row every column of the header`, own);
    } else {
      yield textRecord(file, row.line, text, own);
    }
  }
}
