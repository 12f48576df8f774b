import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SeededRandom } from '../src/fixtures/seededRandom.ts';

export interface SyntheticCorpus {
  readonly sentences: number;
  /** One .txt file per domain, one sentence per line. */
  readonly files: readonly { readonly domain: string; readonly path: string }[];
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
 * Writes `size` unique sentences, split evenly over the domains, built deterministically (fixed
 * seed) from the example corpus. Unique, because the study drops duplicates and would then
 * measure less work than asked for.
 */
export function writeSyntheticCorpus(dir: string, domains: ReadonlyMap<string, readonly string[]>, size: number): SyntheticCorpus {
  mkdirSync(dir, { recursive: true });
  const random = new SeededRandom(0x0d0a1d + size);
  const names = [...domains.keys()];
  const files = names.map((domain, d) => {
    const base = (domains.get(domain) ?? []).map(words).filter((w) => w.length >= 3);
    if (base.length < 2) throw new Error(`domain ${domain}: too few example sentences to recombine`);
    const count = Math.floor(size / names.length) + (d < size % names.length ? 1 : 0);
    const seen = new Set<string>();
    const lines = Array.from({ length: count }, () => recombined(base, seen, random));
    const file = path.join(dir, `${domain}.txt`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return { domain, path: file };
  });
  return { sentences: size, files };
}
