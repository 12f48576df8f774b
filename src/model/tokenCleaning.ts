/**
 * Turns raw vocabulary strings (`##ing`, `Ġworld`, `▁the`, `<0x0A>`) into the readable labels
 * shown on the token axis of tables and pictures. One label per token, never empty.
 */

/** Which markers a tokenizer writes into its vocabulary, read from tokenizer.json. */
export interface TokenMarkers {
  /** WordPiece continuation prefix (`##`), stripped from the front. */
  readonly continuingSubwordPrefix: string | null;
  /** GPT-2 style byte-level BPE: every byte is stored as a printable character (space = Ġ). */
  readonly byteLevel: boolean;
  /** SentencePiece's word-boundary character (`▁`), shown as a space. */
  readonly metaspace: string | null;
  /** BPE end-of-word suffix (`</w>`), stripped from the end. */
  readonly endOfWordSuffix: string | null;
}

let byteLevelDecoder: Map<string, number> | null = null;

/** The inverse of GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 on. */
function byteLevelTable(): Map<string, number> {
  if (byteLevelDecoder) return byteLevelDecoder;
  const table = new Map<string, number>();
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (printable(b)) table.set(String.fromCharCode(b), b);
    else table.set(String.fromCharCode(256 + next++), b);
  }
  byteLevelDecoder = table;
  return table;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as text; bytes that are not whole UTF-8 characters (a split emoji) become \xNN. */
function bytesToText(bytes: readonly number[]): string {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  }
}

function decodeByteLevel(token: string): string {
  const table = byteLevelTable();
  const bytes: number[] = [];
  for (const ch of token) {
    const b = table.get(ch);
    if (b !== undefined) bytes.push(b);
    else bytes.push(...new TextEncoder().encode(ch));
  }
  return bytesToText(bytes);
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** Control characters written as escapes so a newline token stays one visible label. */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/** The readable label of one vocabulary string; special tokens ([CLS], <s>) are kept verbatim. */
export function cleanToken(raw: string, markers: TokenMarkers, special: boolean): string {
  if (special) return raw;
  let text = raw;
  const byte = BYTE_TOKEN.exec(text);
  if (byte) {
    text = bytesToText([parseInt(byte[1], 16)]);
  } else {
    if (markers.byteLevel) text = decodeByteLevel(text);
    if (markers.metaspace) text = text.split(markers.metaspace).join(' ');
    if (markers.continuingSubwordPrefix && text.startsWith(markers.continuingSubwordPrefix) && text.length > markers.continuingSubwordPrefix.length) {
      text = text.slice(markers.continuingSubwordPrefix.length);
    }
    if (markers.endOfWordSuffix && text.endsWith(markers.endOfWordSuffix) && text.length > markers.endOfWordSuffix.length) {
      text = text.slice(0, -markers.endOfWordSuffix.length);
    }
  }
  const escaped = escapeControls(text);
  const trimmed = escaped.replace(/^ +| +$/g, '');
  // A token that is only spaces still needs a visible label.
  return trimmed.length > 0 ? trimmed : '␣'.repeat(Math.max(1, escaped.length));
}
