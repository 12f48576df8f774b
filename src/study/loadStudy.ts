import path from 'node:path';
import type { CorpusSource } from '../corpus/corpusTypes.ts';
import { UserError } from '../userError.ts';
import { formatConfigIssues } from './configIssues.ts';
import { readStudyFile } from './studyFile.ts';
import { studyName, studySchema, type StudyFileContents } from './studySchema.ts';
import type { Study, StudyOverrides } from './studyTypes.ts';

function fileCorpus(contents: StudyFileContents, studyDir: string): CorpusSource[] | undefined {
  return contents.corpus?.map((entry) => {
    const { textColumn, idColumn, domainColumn, domain } = entry;
    // Copy only the keys present so the resolved study has no undefined-valued keys.
    return {
      path: path.resolve(studyDir, entry.path),
      format: entry.format,
      ...(domain === undefined ? {} : { domain }),
      ...(textColumn === undefined ? {} : { textColumn }),
      ...(idColumn === undefined ? {} : { idColumn }),
      ...(domainColumn === undefined ? {} : { domainColumn }),
    };
  });
}

function overrideCorpus(overrides: StudyOverrides, label: string): CorpusSource[] | undefined {
  if (overrides.corpus === undefined || overrides.corpus.length === 0) {
    if (overrides.domain !== undefined) throw new UserError(`${label}: --domain names the domain of --corpus sources; pass --corpus too`);
    return undefined;
  }
  const domain = overrides.domain;
  if (domain !== undefined && domain.trim().length === 0) throw new UserError(`${label}: --domain is empty; give a domain name`);
  return overrides.corpus.map((p) => ({ path: path.resolve(p), format: 'auto', ...(domain === undefined ? {} : { domain }) }));
}

function defaultName(file: string, label: string): string {
  const base = path.basename(file, path.extname(file));
  const parsed = studyName.safeParse(base);
  if (!parsed.success) throw new UserError(`${label}: name: missing, and the file name "${base}" cannot serve as one; add name: <letters, digits, . _ ->`);
  return parsed.data;
}

/**
 * Reads, validates and resolves a study file. Relative paths in the file resolve against the
 * file's folder; override paths against the working directory.
 */
export async function loadStudy(file: string, overrides: StudyOverrides = {}): Promise<Study> {
  const label = `study ${file}`;
  const absolute = path.resolve(file);
  const studyDir = path.dirname(absolute);
  const raw = await readStudyFile(absolute, label);
  const parsed = studySchema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatConfigIssues(label, parsed.error.issues, raw, studySchema));
  const contents = parsed.data;

  const name = contents.name ?? defaultName(absolute, label);
  const model = overrides.model !== undefined ? path.resolve(overrides.model) : contents.model !== undefined ? path.resolve(studyDir, contents.model) : undefined;
  if (model === undefined) throw new UserError(`${label}: model: missing; set model: <model folder> in the study or pass --model`);
  const corpus = overrideCorpus(overrides, label) ?? fileCorpus(contents, studyDir);
  if (corpus === undefined) throw new UserError(`${label}: corpus: missing; list corpus files in the study or pass --corpus`);
  const output = overrides.out !== undefined ? path.resolve(overrides.out) : path.resolve(studyDir, contents.output ?? path.join('out', name));

  return {
    file: absolute,
    name,
    model,
    corpus,
    dti: contents.dti,
    modelOptions: contents.modelOptions,
    output,
    fields: contents.fields,
    redis: { url: contents.redis.url, queue: contents.redis.queue ?? `donald-${name}` },
    concurrency: contents.concurrency,
    jobs: contents.jobs,
  };
}
