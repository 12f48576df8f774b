import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeSyntheticCorpus } from '../syntheticCorpus.ts';

/** What a study of the corpus must report, counted while the corpus was written (not by the study). */
export interface ExpectedCounts {
  readonly read: number;
  readonly processed: number;
  readonly failed: number;
  readonly duplicate: number;
  readonly empty: number;
}

export interface LoadCorpus {
  /** One .jsonl file of exactly `lines` lines. */
  readonly path: string;
  readonly lines: number;
  readonly expected: ExpectedCounts;
  /** How the non-unique lines break down, for the results. */
  readonly mix: {
    readonly unique: number;
    readonly repeatedText: number;
    readonly repeatedId: number;
    readonly blank: number;
    readonly tooLong: number;
    readonly unreadable: number;
  };
}

/**
 * After every n-th unique sentence, one extra line of each kind. Together ~2.4 % of lines, so the
 * run exercises every branch of the intake and the failure path without changing the workload much.
 */
const EVERY = {
  /** Same domain and text as the sentence before, new id: a duplicate by text. */
  repeatedText: 50,
  /** Same id as the sentence before, other text: a duplicate by id. */
  repeatedId: 499,
  /** Blank text: counted as empty, never queued. */
  blank: 997,
  /** 200+ words: more tokens than the fixture models take (128), so the worker fails it. */
  tooLong: 1999,
  /** Not JSON: the producer fails it at the door. */
  unreadable: 4999,
} as const;

const TOO_LONG_WORDS = 200;

function extrasAfter(unique: number): number {
  return Object.values(EVERY).reduce((sum, n) => sum + Math.floor(unique / n), 0);
}

interface SyntheticRecord {
  readonly id: string;
  readonly domain: string;
  readonly text: string;
}

/**
 * Writes `lines` lines of .jsonl: unique sentences from bench/syntheticCorpus.ts (deterministic,
 * domains interleaved) with repeated texts, repeated ids, blank texts, over-long sentences and
 * unreadable lines mixed in at fixed intervals, and counts what each line must become.
 */
export function writeLoadCorpus(dir: string, domains: ReadonlyMap<string, readonly string[]>, lines: number): LoadCorpus {
  let uniqueNeeded = lines;
  while (uniqueNeeded + extrasAfter(uniqueNeeded) > lines) uniqueNeeded--;
  const baseDir = path.join(dir, 'unique');
  const base = writeSyntheticCorpus(baseDir, domains, uniqueNeeded + 1);
  const records = readFileSync(base.path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as SyntheticRecord);
  rmSync(baseDir, { recursive: true, force: true });

  const out: string[] = [];
  const mix = { unique: 0, repeatedText: 0, repeatedId: 0, blank: 0, tooLong: 0, unreadable: 0 };
  const push = (line: string, kind: keyof typeof mix): boolean => {
    if (out.length >= lines) return false;
    out.push(line);
    mix[kind]++;
    return true;
  };
  for (let i = 0; out.length < lines; i++) {
    const r = records[i];
    push(JSON.stringify(r), 'unique');
    const n = i + 1;
    if (n % EVERY.repeatedText === 0) push(JSON.stringify({ id: `${r.id}-again`, domain: r.domain, text: r.text }), 'repeatedText');
    if (n % EVERY.repeatedId === 0) push(JSON.stringify({ id: r.id, domain: r.domain, text: `${r.text} Once more.` }), 'repeatedId');
    if (n % EVERY.blank === 0) push(JSON.stringify({ id: `blank-${n}`, domain: r.domain, text: '   ' }), 'blank');
    if (n % EVERY.tooLong === 0) {
      // The sentences just before this one, joined: a different window each time, so never a duplicate.
      const words: string[] = [];
      for (let k = i; k >= 0 && words.length < TOO_LONG_WORDS; k--) words.push(...records[k].text.split(/\s+/));
      push(JSON.stringify({ id: `long-${n}`, domain: r.domain, text: words.join(' ') }), 'tooLong');
    }
    if (n % EVERY.unreadable === 0) push(`{"id": "unreadable-${n}", "text": "no closing quote}`, 'unreadable');
  }
  const file = path.join(dir, 'corpus.jsonl');
  writeFileSync(file, `${out.join('\n')}\n`);
  return {
    path: file,
    lines: out.length,
    expected: {
      read: out.length,
      processed: mix.unique,
      failed: mix.tooLong + mix.unreadable,
      duplicate: mix.repeatedText + mix.repeatedId,
      empty: mix.blank,
    },
    mix,
  };
}
