/**
 * Shared helpers of the study tests (studyEmbedded, studyDistributed, studyCrash): temporary
 * study files and corpora, CLI child processes, Redis key clean-up and an independent Parquet
 * reader (hyparquet, not the apache-arrow/parquet-wasm that wrote the files). A private
 * redis-server (stopped and restarted by the fault tests) is in privateRedis.ts.
 * No vitest import here, so the file stays plain library code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects, type ParquetRow } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { Redis } from 'ioredis';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const donaldBin = path.join(repoRoot, 'bin', 'donald.js');
export const tinyGpt2 = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt2');
export const exampleStudyFile = path.join(repoRoot, 'config', 'example-study.yaml');
export const exampleCorpusDir = path.join(repoRoot, 'config', 'examples', 'corpus');
/** The tsx script that runs aggregateStudy with a small segment size (the CLI has no flag for it). */
export const aggregateChildScript = path.join(repoRoot, 'test', 'studyAggregateChild.ts');
export const MACHINE_REDIS_URL = 'redis://127.0.0.1:6379';

/** Every file a finished study leaves in its output folder. */
export const STUDY_OUTPUT_FILES = [
  'sentences.parquet',
  'layer_stats.parquet',
  'layer_stats.arrow',
  'layer_stats.csv',
  'ranking.csv',
  'ranking.json',
  'manifest.json',
  'failures.jsonl',
  'utilisation_by_layer.svg',
  'ranking.svg',
  'report.html',
] as const;

// ---------------------------------------------------------------------------------------------
// Temporary folders, study files, corpora

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `donald-${label}-`));
}

/** A queue name no other test run shares. */
export function uniqueQueue(label: string): string {
  return `donald-test-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export interface CorpusEntry {
  readonly path: string;
  readonly domain?: string;
  readonly textColumn?: string;
  readonly idColumn?: string;
}

/** The bundled example study's corpus, with absolute paths. */
export function exampleCorpus(): CorpusEntry[] {
  return [
    { path: path.join(exampleCorpusDir, 'news.txt'), domain: 'news' },
    { path: path.join(exampleCorpusDir, 'fiction.jsonl') },
    { path: path.join(exampleCorpusDir, 'legal.csv'), textColumn: 'text', idColumn: 'id' },
  ];
}

export interface StudySpec {
  readonly name: string;
  readonly corpus: readonly CorpusEntry[];
  readonly output: string;
  readonly queue?: string;
  readonly redisUrl?: string;
  readonly jobs?: Readonly<Record<string, number>>;
  readonly modelOptions?: Readonly<Record<string, number | boolean | null>>;
  readonly concurrency?: number;
}

/** Writes `<dir>/<name>.json` (the loader takes JSON as well as YAML) and returns its path. */
export async function writeStudyFile(dir: string, spec: StudySpec): Promise<string> {
  const contents: Record<string, unknown> = {
    name: spec.name,
    model: tinyGpt2,
    corpus: spec.corpus,
    output: spec.output,
  };
  if (spec.queue !== undefined || spec.redisUrl !== undefined) {
    contents.redis = { ...(spec.redisUrl === undefined ? {} : { url: spec.redisUrl }), ...(spec.queue === undefined ? {} : { queue: spec.queue }) };
  }
  if (spec.jobs !== undefined) contents.jobs = spec.jobs;
  if (spec.modelOptions !== undefined) contents.modelOptions = spec.modelOptions;
  if (spec.concurrency !== undefined) contents.concurrency = spec.concurrency;
  const file = path.join(dir, `${spec.name}.json`);
  await writeFile(file, `${JSON.stringify(contents, null, 2)}\n`);
  return file;
}

/** Lines of a text file as a reader counts them: a final newline ends the last line, it does not start one. */
export function fileLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Sentence texts of the bundled example corpus per domain, read by the test itself. */
export async function exampleTexts(): Promise<Record<'news' | 'fiction' | 'legal', string[]>> {
  const news = fileLines(await readFile(path.join(exampleCorpusDir, 'news.txt'), 'utf8')).filter((l) => l.trim() !== '');
  const fiction = fileLines(await readFile(path.join(exampleCorpusDir, 'fiction.jsonl'), 'utf8'))
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const legalRows = parseCsv(await readFile(path.join(exampleCorpusDir, 'legal.csv'), 'utf8'));
  const header = legalRows[0];
  const textAt = header.indexOf('text');
  const legal = legalRows.slice(1).map((r) => r[textAt]);
  return { news, fiction, legal };
}

export interface GeneratedCorpus {
  readonly entries: CorpusEntry[];
  /** Lines written, all files together. */
  readonly lines: number;
  readonly empty: number;
  /** Lines repeating an earlier sentence of the same file. */
  readonly duplicate: number;
  /** Distinct sentences too long for the model (>= 200 words, tiny-gpt2 takes 128 tokens): they must fail. */
  readonly tooLong: number;
  /** Distinct sentences the model takes (lines - empty - duplicate - tooLong). */
  readonly fitting: number;
}

/**
 * A larger corpus recombined from the example sentences: for each domain, sentence i's first half
 * of words joined to sentence j's second half, `perDomain` distinct sentences, in one .txt file per
 * domain. Every 97th line repeats the line before (a duplicate), every 211th line is blank and
 * every 503rd is an over-long run of consecutive sentences (a model failure).
 * Deterministic: the same arguments always write the same bytes.
 */
export async function writeRecombinedCorpus(dir: string, perDomain: number): Promise<GeneratedCorpus> {
  const texts = await exampleTexts();
  const entries: CorpusEntry[] = [];
  let lines = 0;
  let empty = 0;
  let duplicate = 0;
  let tooLong = 0;
  let fitting = 0;
  for (const [domain, sentences] of Object.entries(texts)) {
    const n = sentences.length;
    const seen = new Set<string>();
    const out: string[] = [];
    let longStart = 0;
    for (let step = 1; step < n && seen.size < perDomain; step++) {
      for (let i = 0; i < n && seen.size < perDomain; i++) {
        const a = sentences[i].split(/\s+/);
        const b = sentences[(i + step) % n].split(/\s+/);
        const text = [...a.slice(0, Math.ceil(a.length / 2)), ...b.slice(Math.ceil(b.length / 2))].join(' ').trim();
        if (text === '' || seen.has(text)) continue;
        seen.add(text);
        out.push(text);
        fitting++;
        if (out.length % 97 === 0) {
          out.push(text);
          duplicate++;
        }
        if (out.length % 211 === 0) {
          out.push('');
          empty++;
        }
        if (out.length % 503 === 0) {
          const words: string[] = [];
          for (let k = longStart++; words.length < 200; k++) words.push(...sentences[k % n].split(/\s+/));
          const long = words.join(' ');
          if (!seen.has(long)) {
            seen.add(long);
            out.push(long);
            tooLong++;
          }
        }
      }
    }
    lines += out.length;
    const file = path.join(dir, `${domain}.txt`);
    await writeFile(file, `${out.join('\n')}\n`);
    entries.push({ path: file, domain });
  }
  return { entries, lines, empty, duplicate, tooLong, fitting };
}

/** RFC 4180 parser (quotes, doubled quotes, quoted newlines): the tests' own reader. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildRun {
  readonly child: ChildProcess;
  readonly label: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  stdout(): string;
  stderr(): string;
  running(): boolean;
}

const liveChildren = new Set<ChildRun>();

function track(label: string, child: ChildProcess): ChildRun {
  let out = '';
  let err = '';
  let done = false;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const run: ChildRun = {
    child,
    label,
    exited: new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        liveChildren.delete(run);
        resolve({ code, signal });
      });
      child.once('error', () => {
        done = true;
        liveChildren.delete(run);
        resolve({ code: null, signal: null });
      });
    }),
    stdout: () => out,
    stderr: () => err,
    running: () => !done,
  };
  liveChildren.add(run);
  return run;
}

/** Starts `node bin/donald.js <args>` in the repository root. */
export function spawnDonald(args: readonly string[], label = args[0] ?? 'donald'): ChildRun {
  return track(label, spawn(process.execPath, [donaldBin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Starts a TypeScript script through tsx, like bin/donald.js does. */
export function spawnTsx(script: string, args: readonly string[], label = path.basename(script)): ChildRun {
  return track(label, spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs the CLI to completion. */
export async function runDonald(args: readonly string[]): Promise<ChildExit & { stdout: string; stderr: string }> {
  const run = spawnDonald(args);
  const exit = await run.exited;
  return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
}

/** Waits for a child and throws, with its stderr, unless it exited 0. */
export async function expectSuccess(run: ChildRun): Promise<void> {
  const exit = await run.exited;
  if (exit.code !== 0) {
    throw new Error(`${run.label} exited with code ${exit.code} signal ${exit.signal}\n--- stderr ---\n${run.stderr().slice(-4000)}`);
  }
}

/** SIGKILL by process id, then wait until the process is gone. */
export async function killHard(run: ChildRun): Promise<ChildExit> {
  if (run.running() && run.child.pid !== undefined) process.kill(run.child.pid, 'SIGKILL');
  return run.exited;
}

/** Kills (by pid) every child these helpers started that is still running; for afterAll/afterEach. */
export async function killLiveChildren(): Promise<void> {
  const runs = [...liveChildren];
  await Promise.all(runs.map((r) => killHard(r)));
}

/**
 * Polls `probe` until it returns a value other than undefined; fails (naming `what`) if any of
 * `watch` exits first, or after `limitMs` as a safety net against a hung pipeline.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, watch: readonly ChildRun[] = [], limitMs = 90_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const dead = watch.find((w) => !w.running());
    if (dead !== undefined) {
      throw new Error(`while waiting for ${what}: ${dead.label} exited (${JSON.stringify(await dead.exited)})\n${dead.stderr().slice(-4000)}`);
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

/** A client for tests: retries forever (so it rides through a private server's restart). */
export function testRedis(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  // Connection errors while a private server restarts are expected; commands wait and retry.
  client.on('error', () => undefined);
  return client;
}

/** Deletes every key of a study queue: BullMQ's (bull:<queue>:*) and DONALD-D's (donald:<queue>:*). */
export async function deleteQueueKeys(redis: Redis, queue: string): Promise<number> {
  let deleted = 0;
  for (const pattern of [`bull:${queue}:*`, `donald:${queue}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// Reading outputs (independently of the writers)

export async function readParquetRows(file: string): Promise<ParquetRow[]> {
  const bytes = await readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return parquetReadObjects({ file: buffer, compressors });
}

export interface ManifestCounts {
  readonly read: number;
  readonly processed: number;
  readonly failed: number;
  readonly duplicate: number;
  readonly empty: number;
}

export interface ManifestView {
  readonly counts: ManifestCounts;
  readonly notes: string[];
  readonly mode: string;
  readonly studyHash: string;
}

export async function readManifest(outDir: string): Promise<ManifestView> {
  return JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as ManifestView;
}

export interface FailureLine {
  readonly id: string;
  readonly domain: string;
  readonly source: string;
  readonly line: number;
  readonly text: string;
  readonly reason: string;
  readonly attempts: number;
}

export async function readFailures(outDir: string): Promise<FailureLine[]> {
  const text = await readFile(path.join(outDir, 'failures.jsonl'), 'utf8');
  return fileLines(text).map((l) => JSON.parse(l) as FailureLine);
}

export interface SentenceRow {
  readonly id: string;
  readonly domain: string;
  readonly utilisation: number[];
  readonly meanAnisotropy: number[];
}

function numberList(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v): v is number => typeof v === 'number')) throw new Error(`${what}: expected a list of numbers`);
  return value;
}

export async function readSentences(outDir: string): Promise<SentenceRow[]> {
  const rows = await readParquetRows(path.join(outDir, 'sentences.parquet'));
  return rows.map((r) => ({
    id: String(r.id),
    domain: String(r.domain),
    utilisation: numberList(r.utilisation, `sentence ${String(r.id)} utilisation`),
    meanAnisotropy: numberList(r.meanAnisotropy, `sentence ${String(r.id)} meanAnisotropy`),
  }));
}

/** layer_stats.parquet as plain rows (n as a number; nulls kept). */
export async function readLayerStats(outDir: string): Promise<Record<string, string | number | null>[]> {
  const rows = await readParquetRows(path.join(outDir, 'layer_stats.parquet'));
  return rows.map((r) => {
    const out: Record<string, string | number | null> = {};
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'bigint') out[k] = Number(v);
      else if (typeof v === 'number' || typeof v === 'string' || v === null) out[k] = v;
      else throw new Error(`layer_stats column ${k}: unexpected value ${String(v)}`);
    }
    return out;
  });
}

/**
 * Differences between two layer_stats tables beyond `tolerance` (numbers) or at all (strings,
 * nulls, row count); an empty list means they agree.
 */
export function layerStatsDifferences(
  actual: readonly Record<string, string | number | null>[],
  expected: readonly Record<string, string | number | null>[],
  tolerance: number,
): string[] {
  const problems: string[] = [];
  if (actual.length !== expected.length) problems.push(`row count ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const a = actual[i];
    const e = expected[i];
    const columns = new Set([...Object.keys(a), ...Object.keys(e)]);
    for (const c of columns) {
      const x = a[c];
      const y = e[c];
      if (typeof x === 'number' && typeof y === 'number') {
        if (!(Math.abs(x - y) <= tolerance)) problems.push(`row ${i} (${String(e.domain)}, layer ${String(e.layer)}) ${c}: ${x} vs ${y}`);
      } else if (x !== y) problems.push(`row ${i} ${c}: ${String(x)} vs ${String(y)}`);
    }
  }
  return problems;
}

/** Sentences keyed by id (the test fails on a repeated id). */
export function sentencesById(rows: readonly SentenceRow[]): Map<string, SentenceRow> {
  const map = new Map<string, SentenceRow>();
  for (const r of rows) {
    if (map.has(r.id)) throw new Error(`sentence id ${r.id} appears twice in sentences.parquet`);
    map.set(r.id, r);
  }
  return map;
}
