import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SeededRandom } from '../src/fixtures/seededRandom.ts';

export interface SyntheticCorpus {
  readonly sentences: number;
  /** One .jsonl file of {id, domain, text} records. */
  readonly path: string;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** A cut point in the middle third, so both halves carry real content and lengths stay realistic. */
function middleCut(length: number, random: SeededRandom): number {
  const low = Math.max(1, Math.floor(length / 3));
  const high = Math.max(low, Math.ceil((2 * length) / 3));
  return low + Math.floor(random.uniform() * (high - low + 1));
}

/**
 * The head of one sentence joined to the tail of another from the same domain. Collisions are
 * retried with fresh draws; after a few, a third fragment is spliced in so generation always ends.
 */
function recombined(base: readonly string[][], seen: Set<string>, random: SeededRandom): string {
  const pick = (): string[] => base[Math.floor(random.uniform() * base.length)];
  for (let attempt = 0; ; attempt++) {
    const head = pick();
    const tail = pick();
    const parts = [...head.slice(0, middleCut(head.length, random)), ...tail.slice(middleCut(tail.length, random))];
    if (attempt > 8) {
      const middle = pick();
      parts.splice(Math.floor(parts.length / 2), 0, ...middle.slice(0, middleCut(middle.length, random)));
    }
    const text = parts.join(' ');
    if (!seen.has(text)) {
      seen.add(text);
      return text;
    }
  }
}

/**
 * Writes `size` unique sentences, split evenly over the domains and interleaved round-robin, built
 * deterministically (fixed seed) from the example corpus. Unique, because the study drops
 * duplicates and would then measure less work than asked for. Interleaved, because the domains
 * differ in sentence length: one domain after another would make the workload (and the model's
 * buffers) change mid-run and pass for memory growth.
 */
export function writeSyntheticCorpus(dir: string, domains: ReadonlyMap<string, readonly string[]>, size: number): SyntheticCorpus {
  const random = new SeededRandom(0x0d0a1d + size);
  const pools = [...domains].map(([domain, texts]) => {
    const base = texts.map(words).filter((w) => w.length >= 3);
    if (base.length < 2) throw new Error(`domain ${domain}: too few example sentences to recombine`);
    return { domain, base, seen: new Set<string>() };
  });
  const lines = Array.from({ length: size }, (_, i) => {
    const pool = pools[i % pools.length];
    const id = `${pool.domain}-${String(pool.seen.size + 1).padStart(6, '0')}`;
    return JSON.stringify({ id, domain: pool.domain, text: recombined(pool.base, pool.seen, random) });
  });
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'corpus.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { sentences: size, path: file };
}
