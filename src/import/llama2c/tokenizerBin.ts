import path from 'node:path';
import { UserError } from '../../userError.ts';
import { readBinaryFile } from './inputFile.ts';

/** One vocabulary entry of a llama2.c tokenizer.bin, text decoded from UTF-8. */
export interface Llama2cPiece {
  readonly text: string;
  readonly score: number;
}

export interface Llama2cTokenizer {
  readonly maxTokenLength: number;
  /** Index = token id. */
  readonly pieces: readonly Llama2cPiece[];
}

/**
 * Parses tokenizer.bin: int32 max_token_length, then per token float32 score, int32 byte length
 * and the bytes. The file does not store the vocabulary size (llama2.c takes it from the
 * checkpoint), so records are read to the end of the file.
 */
export function parseLlama2cTokenizer(bytes: Uint8Array, fileName: string): Llama2cTokenizer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const fail = (problem: string): never => {
    throw new UserError(`${fileName}: not a llama2.c tokenizer.bin: ${problem}; give the tokenizer file written by llama2.c's tokenizer.py`);
  };
  if (bytes.byteLength < 4) fail(`the header needs 4 bytes but the file has ${bytes.byteLength}`);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0) fail(`max_token_length is ${maxTokenLength}`);
  const pieces: Llama2cPiece[] = [];
  let offset = 4;
  while (offset < bytes.byteLength) {
    const id = pieces.length;
    if (offset + 8 > bytes.byteLength) fail(`token ${id} is cut off at byte ${offset} of ${bytes.byteLength}`);
    const score = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    offset += 8;
    if (length < 0 || length > maxTokenLength || offset + length > bytes.byteLength) {
      fail(`token ${id} claims ${length} bytes at byte ${offset} (max_token_length ${maxTokenLength}, file ${bytes.byteLength} bytes)`);
    }
    let text = '';
    try {
      text = utf8.decode(bytes.subarray(offset, offset + length));
    } catch {
      fail(`token ${id} is not valid UTF-8`);
    }
    pieces.push({ text, score });
    offset += length;
  }
  if (pieces.length === 0) fail('it holds no tokens');
  return { maxTokenLength, pieces };
}

export function readLlama2cTokenizer(filePath: string): Llama2cTokenizer {
  return parseLlama2cTokenizer(readBinaryFile(filePath, 'llama2.c tokenizer'), path.basename(filePath));
}
