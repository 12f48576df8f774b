/**
 * Characters a sentence may not hold. Text is never altered silently, so instead of being stripped
 * these make the sentence fail by name:
 * - control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) other than tab, line
 *   feed and carriage return, which are ordinary whitespace (a quoted CSV field or a JSON string
 *   may hold line breaks). A NUL or a bell inside a sentence is a broken export, not language;
 * - unpaired UTF-16 surrogates, which only a JSON escape (`"\ud83d"` without its partner) can
 *   produce: the tokenizer would silently read them as U+FFFD.
 */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function codePoint(unit: number): string {
  return `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `text` cannot be a sentence, or null when it can; positions count characters (code points) from 1. */
export function forbiddenCharacter(text: string): string | null {
  const match = FORBIDDEN.exec(text);
  if (match === null) return null;
  const unit = match[0].charCodeAt(0);
  const at = [...text.slice(0, match.index)].length + 1;
  if (unit >= 0xd800 && unit <= 0xdfff) {
    return `unpaired UTF-16 surrogate ${codePoint(unit)} at character ${at} (a broken \\u escape); write the character itself or its full surrogate pair`;
  }
  const hint = unit === 0 ? ' (NUL bytes usually mean a binary or UTF-16 file)' : '';
  return `control character ${codePoint(unit)} at character ${at}${hint}; remove it (tab and line breaks are the only control characters a sentence may hold)`;
}
