/**
 * `npm run bench:load [-- --quick]`: corpora of 10k and 100k sentences (2k and 10k with --quick)
 * through the distributed mode (1 producer, 2 workers, 1 aggregator as child processes on a
 * private redis-server): completion, exact counts, every process's peak memory and Redis memory
 * against corpus size. Progress on stderr; results in bench/results/load.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLog } from '../benchLog.ts';
import { byDomain, exampleSentences, REPO_ROOT } from '../exampleSentences.ts';
import { machineInfo } from '../machineInfo.ts';
import { runDistributed, SAMPLER_TIMING } from './distributedRun.ts';
import { LoadUsageError, parseLoadArgs } from './loadArgs.ts';
import { writeLoadCorpus } from './loadCorpus.ts';
import { loadMarkdown } from './loadMarkdown.ts';
import type { LoadResults, LoadRun, RetentionSettings } from './loadResults.ts';
import { loadVerdicts } from './loadVerdict.ts';
import { stopPrivateRedisServers } from './privateRedis.ts';
import { stopLiveProcesses } from './studyProcesses.ts';

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
export const FULL_SIZES: readonly number[] = [10_000, 100_000];
export const QUICK_SIZES: readonly number[] = [2_000, 10_000];
/**
 * tiny-bert: the smallest fixture (463 KB model.onnx, 1,629-word vocabulary, against tiny-gpt2's
 * 465 KB and 1,757); with one onnxruntime thread both run the embedded study at the same ~2,000
 * sentences/s on this machine, so the smaller one it is.
 */
const MODEL = 'tiny-bert';
/** A run still going after this long is stopped and reported: 100k sentences should take a few minutes. */
const RUN_TIMEOUT_SECONDS = 900;
/** As often as bench/studyChild.ts settles: often enough for a trend, cheap for heaps of ~20-40 MB. */
const FORCED_GC_EVERY_MS = 500;

async function main(): Promise<void> {
  const args = parseLoadArgs(process.argv.slice(2));
  const started = performance.now();
  const machine = machineInfo();
  const sizes = args.quick ? QUICK_SIZES : FULL_SIZES;
  benchLog(`${args.quick ? 'quick' : 'full'} load bench (${sizes.join(', ')} sentences, distributed, ${MODEL}) on ${machine.cpuModel} x${machine.cores}, load average ${machine.loadAverageAtStart}`);
  const scratchDir = mkdtempSync(path.join(tmpdir(), 'donald-load-'));
  scratch = scratchDir;
  const domains = byDomain(await exampleSentences());
  const modelDir = path.join(REPO_ROOT, 'test', 'fixtures', 'models', MODEL);
  const runs: LoadRun[] = [];
  const forcedGcRuns: LoadRun[] = [];
  let settings: RetentionSettings | undefined;
  let ok = false;
  try {
    for (const size of sizes) {
      const dir = path.join(scratchDir, String(size));
      const corpus = writeLoadCorpus(path.join(dir, 'corpus'), domains, size);
      const e = corpus.expected;
      benchLog(`${size}: corpus written (expect processed ${e.processed}, failed ${e.failed}, duplicate ${e.duplicate}, empty ${e.empty})`);
      // Twice: GC left to V8 (the peaks an operator sees), then full GCs forced for the live-memory trend.
      for (const forceGcEveryMs of [null, FORCED_GC_EVERY_MS]) {
        const runDir = path.join(dir, forceGcEveryMs === null ? 'natural-gc' : 'forced-gc');
        const result = await runDistributed({ corpus, modelDir, dir: runDir, timeoutSeconds: RUN_TIMEOUT_SECONDS, forceGcEveryMs });
        (forceGcEveryMs === null ? runs : forcedGcRuns).push(result.run);
        settings = result.settings;
        const r = result.run;
        const peaks = r.processes.map((p) => `${p.role} ${p.peakRssMB.toFixed(0)}`).join(', ');
        benchLog(
          `${size}: ${r.exact ? 'counts exact' : `COUNTS WRONG: ${r.output.problems.join('; ')}`}; ${r.timings.wallSeconds.toFixed(1)} s, ${r.timings.sentencesPerSecond.toFixed(0)} sentences/s; ` +
            `peak RSS MB: ${peaks}; Redis used_memory peak ${r.redis.usedMemoryPeakMB.toFixed(1)} MB`,
        );
        // The outputs of 100k sentences take room: free it before the next run.
        rmSync(runDir, { recursive: true, force: true });
      }
      rmSync(dir, { recursive: true, force: true });
    }
    if (settings === undefined) throw new Error('no run finished');
    const verdicts = loadVerdicts(runs, forcedGcRuns, settings, args.quick);
    const results: LoadResults = {
      mode: args.quick ? 'quick' : 'full',
      command: args.quick ? 'npm run bench:load -- --quick' : 'npm run bench:load',
      machine,
      model: MODEL,
      settings,
      sampleEveryMs: SAMPLER_TIMING.everyMs,
      censusEverySeconds: (SAMPLER_TIMING.everyMs * SAMPLER_TIMING.censusEveryTicks) / 1000,
      totalSeconds: (performance.now() - started) / 1000,
      runs,
      forcedGcRuns,
      verdicts,
    };
    // Quick results get their own (git-ignored) name so they never overwrite the full run's.
    const base = args.quick ? 'load-quick' : 'load';
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(path.join(RESULTS_DIR, `${base}.md`), loadMarkdown(results));
    for (const line of verdicts.summary) benchLog(line);
    benchLog(`done in ${results.totalSeconds.toFixed(0)} s; results in ${path.relative(process.cwd(), path.join(RESULTS_DIR, `${base}.{json,md}`))}`);
    ok = true;
  } finally {
    // On failure the logs of the study processes stay for reading.
    if (ok) rmSync(scratchDir, { recursive: true, force: true });
    else benchLog(`scratch folder with the study processes' logs kept: ${scratchDir}`);
    scratch = undefined;
  }
}

/** The scratch folder while main() runs, so an interrupt can remove it. */
let scratch: string | undefined;

async function stopEverything(): Promise<void> {
  await stopLiveProcesses();
  await stopPrivateRedisServers();
}

process.once('SIGINT', () => {
  benchLog('interrupted: stopping the study processes and redis-server');
  void stopEverything().finally(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
});

main().catch(async (err: unknown) => {
  await stopEverything();
  if (err instanceof LoadUsageError) {
    process.stderr.write(`bench:load: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench:load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
