import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../userError.ts';

/** The study file's contents as plain data: YAML for .yaml/.yml, JSON for .json. */
export async function readStudyFile(file: string, label: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new UserError(`${label}: unknown study file type "${ext}"; name it .yaml, .yml or .json`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${label}: cannot read the study file; check that it exists and is readable`);
  }
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new UserError(`${label}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.linePos?.[0].line;
    const where = line === undefined ? '' : ` line ${line}`;
    throw new UserError(`${label}${where}: not valid YAML (${first.message.split('\n')[0]})`);
  }
  return doc.toJS();
}
