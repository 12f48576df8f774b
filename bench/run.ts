/**
 * `npm run bench [-- --quick]`: DTI math throughput, model throughput, and embedded-study
 * throughput and memory against corpus size. Progress goes to stderr; results to bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError, parseBenchArgs } from './benchArgs.ts';
import { benchLog } from './benchLog.ts';
import { benchModels } from './benchModels.ts';
import type { BenchResults } from './benchResults.ts';
import { benchDtiThroughput } from './dtiThroughput.ts';
import { byDomain, exampleSentences } from './exampleSentences.ts';
import { contendedAtStart, machineInfo, oneMinuteLoad } from './machineInfo.ts';
import { benchModelThroughput, spreadSample } from './modelThroughput.ts';
import { resultsMarkdown } from './resultsMarkdown.ts';
import { benchStudyScaling, FULL_STUDY_SIZES, QUICK_STUDY_SIZES } from './studyScaling.ts';

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
/** The study scaling runs the example study's own model. */
const STUDY_MODEL = 'tiny-gpt2';

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const started = performance.now();
  const machine = machineInfo();
  benchLog(`${args.quick ? 'quick' : 'full'} bench on ${machine.cpuModel} x${machine.cores}, node ${machine.nodeVersion}`);
  const scratchDir = mkdtempSync(path.join(tmpdir(), 'donald-bench-'));
  try {
    const dti = await benchDtiThroughput(args.quick);

    const examples = await exampleSentences();
    const models = benchModels(scratchDir);
    const sample = spreadSample(examples.map((e) => e.text), args.quick ? 48 : 96);
    const modelRates = await benchModelThroughput(models, sample, args.quick);

    const studyModel = models.find((m) => m.name === STUDY_MODEL);
    if (studyModel === undefined) throw new Error(`${STUDY_MODEL} fixture model is missing`);
    const study = await benchStudyScaling(studyModel, byDomain(examples), args.quick ? QUICK_STUDY_SIZES : FULL_STUDY_SIZES, scratchDir);

    const results: BenchResults = {
      mode: args.quick ? 'quick' : 'full',
      command: args.quick ? 'npm run bench -- --quick' : 'npm run bench',
      machine,
      totalSeconds: (performance.now() - started) / 1000,
      loadAverageAtEnd: oneMinuteLoad(),
      dti,
      models: modelRates,
      study,
    };
    // A quick run writes beside the full results so it never overwrites the committed full summary.
    const base = args.quick ? 'latest-quick' : 'latest';
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(path.join(RESULTS_DIR, `${base}.md`), resultsMarkdown(results));
    benchLog(study.verdict);
    if (contendedAtStart(machine)) {
      benchLog(`warning: load average ${machine.loadAverageAtStart} before the bench began; other work competed for the ${machine.cores} cores, so rates are low and noisy`);
    }
    benchLog(`done in ${results.totalSeconds.toFixed(0)} s; results in ${path.relative(process.cwd(), path.join(RESULTS_DIR, `${base}.{json,md}`))}`);
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  if (err instanceof BenchUsageError) {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
