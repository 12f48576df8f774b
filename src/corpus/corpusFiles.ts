import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../userError.ts';
import type { CorpusFile } from './corpusFile.ts';
import { domainFromFileName, formatFromExtension, SUPPORTED_EXTENSIONS_TEXT } from './corpusFormat.ts';
import type { CorpusSource } from './corpusTypes.ts';

/** Code-unit order, not locale order, so every machine reads a folder in the same order. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function statOrThrow(file: string): Promise<Stats> {
  try {
    return await stat(file);
  } catch {
    throw new UserError(`corpus path ${file} does not exist (or is a broken link); check the corpus entry of the study or --corpus`);
  }
}

/** Supported files under `dir`, depth first in name order; hidden entries and other extensions are skipped. */
async function* filesUnder(dir: string): AsyncGenerator<string> {
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort(byName);
  for (const name of names) {
    const full = path.join(dir, name);
    const info = await statOrThrow(full);
    if (info.isDirectory()) yield* filesUnder(full);
    else if (info.isFile() && formatFromExtension(full) !== undefined) yield full;
  }
}

function singleFile(source: CorpusSource, file: string): CorpusFile {
  const explicit = source.format !== undefined && source.format !== 'auto' ? source.format : undefined;
  const format = explicit ?? formatFromExtension(file);
  if (format === undefined) {
    throw new UserError(`corpus file ${file}: cannot tell its format from the extension; use ${SUPPORTED_EXTENSIONS_TEXT}, or set format in the corpus entry`);
  }
  return { path: file, idPath: path.basename(file), domain: source.domain ?? domainFromFileName(file), format, source };
}

/**
 * The files a source stands for, in reading order. A folder's files directly inside it take
 * their domain from their name, files under a sub-folder from that sub-folder's name (at any
 * depth). A folder source with an explicit format reads only files of that format.
 */
export async function* corpusFiles(source: CorpusSource): AsyncGenerator<CorpusFile> {
  const root = path.resolve(source.path);
  const info = await statOrThrow(root);
  if (!info.isDirectory()) {
    yield singleFile(source, root);
    return;
  }
  const wanted = source.format !== undefined && source.format !== 'auto' ? source.format : undefined;
  let count = 0;
  for await (const file of filesUnder(root)) {
    const format = formatFromExtension(file);
    if (format === undefined || (wanted !== undefined && format !== wanted)) continue;
    const idPath = path.relative(root, file).split(path.sep).join('/');
    const slash = idPath.indexOf('/');
    const folderDomain = slash >= 0 ? idPath.slice(0, slash) : undefined;
    count += 1;
    yield { path: file, idPath, domain: source.domain ?? folderDomain ?? domainFromFileName(file), format, source };
  }
  if (count === 0) {
    const which = wanted === undefined ? SUPPORTED_EXTENSIONS_TEXT : `.${wanted} (format: ${wanted})`;
    throw new UserError(`corpus folder ${root} holds no corpus files (${which}); put one sentence file per domain sub-folder there`);
  }
}
