import type { CorpusFile } from './corpusFile.ts';
import type { CorpusRecord, InvalidRecord } from './corpusTypes.ts';
import { forbiddenCharacter } from './sentenceCharacters.ts';
import { deriveSentenceId } from './sentenceId.ts';

/** Fields a record may carry itself; blank values fall back to the file's defaults. */
export interface OwnFields {
  readonly id?: string;
  readonly domain?: string;
}

function present(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}

/**
 * A sentence, an empty record when the text is blank, or an invalid record when the text holds a
 * character no sentence may (see sentenceCharacters.ts).
 */
export function textRecord(file: CorpusFile, line: number, rawText: string, own: OwnFields = {}): CorpusRecord {
  const text = rawText.trim();
  const id = present(own.id) ?? deriveSentenceId(file.idPath, line, text);
  const domain = present(own.domain) ?? file.domain;
  if (text.length === 0) return { kind: 'empty', id, domain, source: file.path, line };
  const forbidden = forbiddenCharacter(text);
  if (forbidden !== null) return { kind: 'invalid', id, domain, source: file.path, line, reason: `${file.path} line ${line}: ${forbidden}` };
  return { kind: 'sentence', id, domain, text, source: file.path, line };
}

/** `raw` is the unreadable line (hashed into the id when the record has none). */
export function invalidRecord(file: CorpusFile, line: number, raw: string, reason: string, own: OwnFields = {}): InvalidRecord {
  const id = present(own.id) ?? deriveSentenceId(file.idPath, line, raw);
  const domain = present(own.domain) ?? file.domain;
  return { kind: 'invalid', id, domain, source: file.path, line, reason };
}
