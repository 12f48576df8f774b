import { contendedAtStart } from '../machineInfo.ts';
import type { LoadResults, LoadRun } from './loadResults.ts';

const f0 = (x: number): string => x.toFixed(0);
const f1 = (x: number): string => x.toFixed(1);
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const orDash = (x: number | null, format: (v: number) => string): string => (x === null ? '-' : format(x));

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

function runTable(runs: readonly LoadRun[]): string[] {
  return [
    row(['sentences (lines)', 'GC', 'processed', 'failed', 'duplicate', 'empty', 'counts exact', 'wall s', 'sentences/s (wall)', 'sentences/s (first to last outcome)', 'first outcome s', 'producer done s', 'all recorded s', 'aggregator done s', 'load avg start -> end']),
    row(Array(15).fill('---')),
    ...runs.map((r) =>
      row([
        r.size,
        r.forcedGcEveryMs === null ? 'V8' : `forced / ${r.forcedGcEveryMs} ms`,
        r.output.manifestCounts.processed,
        r.output.manifestCounts.failed,
        r.output.manifestCounts.duplicate,
        r.output.manifestCounts.empty,
        r.exact ? 'yes' : `**NO**: ${r.output.problems.join('; ')}`,
        f1(r.timings.wallSeconds),
        f0(r.timings.sentencesPerSecond),
        orDash(r.timings.steadySentencesPerSecond, f0),
        orDash(r.timings.firstOutcomeSeconds, f1),
        f1(r.timings.producerDoneSeconds),
        orDash(r.timings.allRecordedSeconds, f1),
        f1(r.timings.aggregatorDoneSeconds),
        `${r.timings.loadAverageAtStart} -> ${r.timings.loadAverageAtEnd}`,
      ]),
    ),
  ];
}

function processTable(results: LoadResults): string[] {
  const { runs, forcedGcRuns, verdicts } = results;
  const small = runs[0];
  const large = runs[runs.length - 1];
  const smallForced = forcedGcRuns[0];
  const largeForced = forcedGcRuns[forcedGcRuns.length - 1];
  const live = (run: LoadRun | undefined, role: string) => run?.processes.find((p) => p.role === role);
  return [
    row([
      'process',
      `peak RSS MB ${small.size} -> ${large.size}`,
      'ratio',
      `live peak RSS MB ${small.size} -> ${large.size}`,
      'live ratio',
      `live peak while outcomes arrive MB ${small.size} -> ${large.size}`,
      `CPU s ${small.size} -> ${large.size}`,
      `settled RSS high-water 1st -> 2nd half MB (${large.size})`,
      `2nd-half live heap MB/1k`,
      `2nd-half settled RSS MB/1k`,
      `2nd-half settled external MB/1k`,
      'verdict',
    ]),
    row(Array(12).fill('---')),
    ...verdicts.processes.map((v) => {
      const a = small.processes.find((p) => p.role === v.role);
      const b = large.processes.find((p) => p.role === v.role);
      const la = live(smallForced, v.role);
      const lb = live(largeForced, v.role);
      const t = lb?.trend ?? null;
      return row([
        v.role,
        `${f1(v.smallPeakMB)} -> ${f1(v.largePeakMB)}`,
        v.ratio.toFixed(2),
        v.smallLivePeakMB === null || v.largeLivePeakMB === null ? '-' : `${f1(v.smallLivePeakMB)} -> ${f1(v.largeLivePeakMB)}`,
        v.liveRatio === null ? '-' : v.liveRatio.toFixed(2),
        la === undefined || lb === undefined ? '-' : `${f1(la.streamingPeakRssMB)} -> ${f1(lb.streamingPeakRssMB)}`,
        `${f1(a?.cpuSeconds ?? 0)} -> ${f1(b?.cpuSeconds ?? 0)}`,
        t === null ? '-' : `${f0(t.firstHalfMaxRssMB)} -> ${f0(t.secondHalfMaxRssMB)}`,
        t === null ? '-' : t.heapSlopeMBPer1k.toFixed(3),
        t === null ? '-' : t.rssSlopeMBPer1k.toFixed(3),
        t === null ? '-' : t.externalSlopeMBPer1k.toFixed(3),
        v.status === 'FLAT' ? 'FLAT' : `**${v.status}**`,
      ]);
    }),
  ];
}

function redisTable(runs: readonly LoadRun[]): string[] {
  return [
    row(['sentences', 'used_memory empty MB', 'used_memory peak MB (INFO)', 'sampled peak MB', 'at end MB', 'redis-server peak RSS MB', 'max result stream entries', 'recorded guard B (bitmap)', 'max completed jobs kept', 'max unfinished jobs', 'keys at end']),
    row(Array(11).fill('---')),
    ...runs.map((r) =>
      row([
        r.size,
        r.redis.usedMemoryStartMB.toFixed(2),
        r.redis.usedMemoryPeakMB.toFixed(2),
        r.redis.sampledPeakUsedMemoryMB.toFixed(2),
        r.redis.usedMemoryEndMB.toFixed(2),
        f1(r.redis.serverPeakRssMB),
        r.redis.maxResultStream,
        r.redis.maxRecordedGuardBytes,
        r.redis.maxCompletedJobs,
        r.redis.maxUnfinishedJobs,
        r.redis.finalCensus.keys,
      ]),
    ),
  ];
}

function categoryTable(results: LoadResults): string[] {
  const { runs, verdicts } = results;
  const small = runs[0].size;
  const large = runs[runs.length - 1].size;
  return [
    row(['key category', `peak MB at ${small}`, `peak MB at ${large}`, `left at end MB (${small})`, `left at end MB (${large})`, 'grew with corpus', 'bounded by', `bound reached at ${large}`]),
    row(Array(8).fill('---')),
    ...verdicts.redis.categories.map((c) =>
      row([
        c.category,
        c.smallPeakMB.toFixed(2),
        c.largePeakMB.toFixed(2),
        c.smallEndMB.toFixed(2),
        c.largeEndMB.toFixed(2),
        c.unbounded ? '**yes, unbounded**' : !c.proportional ? 'no' : c.capReached ? 'yes, up to its cap' : 'yes, filling its cap',
        c.bound,
        c.capReached === null ? '-' : c.capReached ? 'yes' : 'no',
      ]),
    ),
  ];
}

function largestKeys(run: LoadRun): string[] {
  const lines = [row(['key', 'type', 'elements', 'MEMORY USAGE MB']), row(Array(4).fill('---'))];
  for (const k of run.redis.finalCensus.largest) lines.push(row([`\`${k.key}\``, k.type, k.length, mb(k.bytes)]));
  return lines;
}

function peakCensus(run: LoadRun): string[] {
  const c = run.redis.censusAtPeak;
  const lines = [
    `Census nearest the peak (${f1(c.seconds)} s into the run, used_memory ${mb(c.usedMemoryBytes)} MB, ${c.keys} keys summing to ${mb(c.keyBytes)} MB; result stream ${c.resultStreamLength} entries, recorded guard ${c.recordedGuardBytes} B):`,
    '',
    row(['key', 'type', 'elements', 'MEMORY USAGE MB']),
    row(Array(4).fill('---')),
  ];
  for (const k of c.largest.slice(0, 6)) lines.push(row([`\`${k.key}\``, k.type, k.length, mb(k.bytes)]));
  return lines;
}

export function loadMarkdown(results: LoadResults): string {
  const m = results.machine;
  const s = results.settings;
  const large = results.runs[results.runs.length - 1];
  const contended = contendedAtStart(m);
  return [
    '# DONALD-D load benchmark: distributed mode',
    '',
    `Measured ${m.date} with \`${results.command}\` (${results.mode} mode, ${f0(results.totalSeconds)} s in all), commit ${m.gitCommit}.`,
    '',
    row(['CPU', 'cores', 'memory', 'platform', 'node', 'onnxruntime-node', 'load average before the bench']),
    row(Array(7).fill('---')),
    row([m.cpuModel, m.cores, `${m.totalMemoryGiB} GiB`, m.platform, m.nodeVersion, m.onnxruntimeNodeVersion, m.loadAverageAtStart]),
    '',
    `The machine is shared with other work (other helpers' test runs); ${contended ? `**the load average was ${m.loadAverageAtStart} when the bench began, so rates are low and noisy**` : 'the load average column of each run shows how busy it was'}. Memory figures do not depend on the load.`,
    '',
    `Each size runs on its own fresh \`redis-server\` (free loopback port, own temp dir, no persistence): 1 producer, 2 workers and 1 aggregator, all started at once as \`node bin/donald.js produce|work|aggregate <study>\` child processes. Model ${results.model} (random weights, the smallest fixture). Study settings are the documented defaults except \`modelOptions.intraOpThreads: 1\` (two workers on two cores): jobs.batchSize ${s.jobBatchSize}, maxQueued ${s.maxQueued}, keepCompleted ${s.keepCompleted}, keepFailed ${s.keepFailed}, lockMs ${s.lockMs}; modelOptions.batchSize ${s.modelBatchSize}; jobs.maxResultBacklog ${s.maxResultBacklog} (workers wait while the result stream holds more), jobs.aggregateSegment ${s.aggregateSegment} (the aggregator checkpoints, and trims the result stream, every that many outcomes). The corpus is one .jsonl of synthetic sentences (bench/syntheticCorpus.ts) with, at fixed intervals, repeated texts and ids (duplicates), blank texts (empty), 200-word sentences (fail in the worker) and unreadable lines (fail at the producer); the expected counts are tallied while writing it.`,
    '',
    `Every ${results.sampleEveryMs} ms the bench reads each process's VmRSS/VmHWM from /proc, Redis \`INFO memory\`, the ledger's progress and the queue's size; every ${results.censusEverySeconds} s it takes a key census (MEMORY USAGE of every key). Peak RSS is getrusage's maxRSS at exit (a preload, bench/load/exitReport.mjs), which catches what a 250 ms sample can miss. Outputs are read back with hyparquet: sentences.parquet rows and distinct ids, failures.jsonl lines, manifest counts.`,
    '',
    '## Verdicts',
    '',
    ...results.verdicts.summary.map((line) => `- ${line}`),
    '',
    '## Runs',
    '',
    ...runTable([...results.runs, ...results.forcedGcRuns].sort((a, b) => a.size - b.size)),
    '',
    '## Peak memory per process',
    '',
    `Each size runs twice. First with GC left to V8: the peaks an operator would see (getrusage maxRSS), the timings, Redis and the counts. Then again with a full GC forced every ${results.forcedGcRuns[0]?.forcedGcEveryMs ?? '-'} ms inside each study process (--expose-gc; the preload reads memory right after each): the "live" peaks, and the settled readings whose trend over the second half of the ${large.size} run (against the ledger's real progress) is judged as bench/memoryVerdict.ts judges the embedded study: live heap at most 0.05 MB per 1k sentences, settled-RSS high-water of the second half at most 16 MB above the first half's. FLAT: peak ratio at most 1.25, live ratio at most 1.25 and the trend flat. PEAK ONLY: live memory flat, but the V8-paced peak rose past 1.25 (garbage not yet collected, whose ceiling V8's heap sizing sets, not the corpus). GROWS: live memory grows. "Live peak while outcomes arrive" leaves out the aggregator's closing work (joining the sentence segments into sentences.parquet, one ${results.settings.aggregateSegment}-row segment in memory at a time, and opening the model for the manifest). Settled and "live" columns come from the forced-GC runs. For the producer, which runs ahead of the ledger by up to maxQueued jobs, the x axis lags by that much. redis-server's RSS is its data: see the Redis section.`,
    '',
    ...processTable(results),
    '',
    ...results.verdicts.processes.map((p) => `- ${p.role}: ${p.text}`),
    '',
    '## Redis',
    '',
    ...redisTable(results.runs),
    '',
    `What the study's keys held, summed by category (MEMORY USAGE counting every element; "peak" is the largest of any census, every 2 s):`,
    '',
    ...categoryTable(results),
    '',
    ...peakCensus(large),
    '',
    `Largest keys after the ${large.size} run (exact):`,
    '',
    ...largestKeys(large),
    '',
  ].join('\n');
}
