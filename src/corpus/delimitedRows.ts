import { UserError } from '../userError.ts';
import type { SourceLine } from './lineStream.ts';

/** One record of a .csv/.tsv file; `line` is where it starts. */
export type DelimitedRow =
  | { readonly kind: 'fields'; readonly line: number; readonly fields: readonly string[] }
  | { readonly kind: 'blank'; readonly line: number }
  | { readonly kind: 'malformed'; readonly line: number; readonly reason: string };

/** A quoted field longer than this is almost surely an unclosed quote eating the file. */
const MAX_RECORD_CHARS = 1_000_000;

/**
 * Splits lines into RFC 4180 records: fields separated by `delimiter`, a field starting with `"`
 * is quoted and may hold the delimiter, `""` for a quote, and line breaks (read back as `\n`).
 * A quote inside an unquoted field is kept literally (common in hand-made files); text after a
 * closing quote makes the record malformed. The same rules apply to TSV, as pandas writes it.
 * A line that could not be decoded is still split (so quotes stay paired), but its record is
 * malformed with the line's problem.
 */
export async function* delimitedRows(lines: AsyncIterable<SourceLine>, delimiter: string, file: string): AsyncGenerator<DelimitedRow> {
  // State of a record whose quoted field continues on the next line.
  let pending: { start: number; fields: string[]; field: string; problem: string | null } | undefined;

  for await (const source of lines) {
    const lineNo = source.number;
    const line = source.text;
    if (pending === undefined) {
      if (source.problem !== null && !line.includes('"')) {
        yield { kind: 'malformed', line: lineNo, reason: source.problem };
        continue;
      }
      if (line.length === 0) {
        yield { kind: 'blank', line: lineNo };
        continue;
      }
      if (!line.includes('"')) {
        yield { kind: 'fields', line: lineNo, fields: line.split(delimiter) };
        continue;
      }
    }

    const fields = pending?.fields ?? [];
    let field = pending?.field ?? '';
    const start = pending?.start ?? lineNo;
    const problem = pending?.problem ?? source.problem;
    let inQuotes = pending !== undefined;
    let afterClosingQuote = false;
    let malformed: string | undefined;
    pending = undefined;

    for (let i = 0; i < line.length; i += 1) {
      const ch = line[i];
      if (inQuotes) {
        if (ch !== '"') {
          field += ch;
        } else if (line[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          inQuotes = false;
          afterClosingQuote = true;
        }
      } else if (ch === delimiter) {
        fields.push(field);
        field = '';
        afterClosingQuote = false;
      } else if (afterClosingQuote) {
        malformed = `${file} line ${start}: text after the closing quote of field ${fields.length + 1}; quote the whole field and double any quotes inside it`;
        break;
      } else if (ch === '"' && field.length === 0) {
        inQuotes = true;
      } else {
        field += ch;
      }
    }

    if (malformed !== undefined) {
      yield { kind: 'malformed', line: start, reason: problem ?? malformed };
    } else if (inQuotes) {
      if (field.length > MAX_RECORD_CHARS) {
        throw new UserError(`${file} line ${start}: a quoted field runs past ${MAX_RECORD_CHARS} characters, probably an unclosed quote; close it or double the quotes inside it`);
      }
      pending = { start, fields, field: field + '\n', problem };
    } else if (problem !== null) {
      yield { kind: 'malformed', line: start, reason: problem };
    } else {
      fields.push(field);
      yield { kind: 'fields', line: start, fields };
    }
  }

  if (pending !== undefined) {
    yield { kind: 'malformed', line: pending.start, reason: `${file} line ${pending.start}: quoted field is never closed; close the quote` };
  }
}
