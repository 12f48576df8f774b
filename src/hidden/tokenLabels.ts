import { readFile } from 'node:fs/promises';
import { UserError } from '../userError.ts';
import { fsErrorReason } from './fsErrorReason.ts';

/** Token strings for the token axis, from a JSON array of strings. */
export async function readTokenLabels(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the token labels (${fsErrorReason(err)})`);
  }
  let labels: unknown;
  try {
    labels = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: token labels are not valid JSON (${(err as Error).message}); give a JSON array of strings`);
  }
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l): l is string => typeof l === 'string')) {
    throw new UserError(`${file}: token labels must be a non-empty JSON array of strings, one per token`);
  }
  return labels;
}
