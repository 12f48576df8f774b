import type { BenchResults } from './benchResults.ts';
import { contendedAtStart } from './machineInfo.ts';
import { MODEL_BATCH_SIZES } from './modelThroughput.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const fixed = (value: number, digits = 0): string => value.toFixed(digits);

function machineSection(r: BenchResults): string[] {
  const m = r.machine;

  return [
    `Measured ${m.date} with \`${r.command}\` (${r.mode} mode, ${fixed(r.totalSeconds)} s in all), commit ${m.gitCommit}.`,
    '',
    ...table(
      ['CPU', 'cores', 'memory', 'platform', 'node', 'onnxruntime-node', 'load average before -> after (after includes the bench)'],
      [[m.cpuModel, String(m.cores), `${m.totalMemoryGiB} GiB`, m.platform, m.nodeVersion, m.onnxruntimeNodeVersion, `${m.loadAverageAtStart} -> ${r.loadAverageAtEnd}`]],
    ),
    ...(contendedAtStart(m)
      ? ['', `**Load average ${m.loadAverageAtStart} before the bench began: other work competed for the ${m.cores} cores, so rates may be lower and noisier than on an idle machine.** Memory numbers are unaffected.`]
      : []),
  ];
}

function dtiSection(r: BenchResults): string[] {
  return [
    '## 1. DTI math (`dtiFieldsFromMatrix`, one thread)',
    '',
    'Median of the timed repetitions after a warm-up; range is the slowest and fastest repetition.',
    '',
    ...table(
      ['layers x tokens', 'matrices/s', 'range', 'µs per matrix'],
      r.dti.map((d) => [`${d.layers} x ${d.tokens}`, fixed(d.matricesPerSecond.median), `${fixed(d.matricesPerSecond.min)}-${fixed(d.matricesPerSecond.max)}`, fixed(d.microsecondsPerMatrix, 1)]),
    ),
  ];
}

function modelSection(r: BenchResults): string[] {
  const groups = new Map<string, BenchResults['models'][number][]>();
  for (const m of r.models) {
    const key = `${m.model}\u0000${m.intraOpThreads}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const rows = [...groups.values()].map((g) => {
    const first = g[0];
    const rates = MODEL_BATCH_SIZES.map((b) => {
      const cell = g.find((m) => m.batchSize === b);
      return cell ? fixed(cell.sentencesPerSecond.median, 1) : '-';
    });
    const weights = first.pretrained ? 'pretrained' : 'random';
    return [`${first.model} (${first.layers}L, h${first.hiddenSize}, ${weights})`, String(first.intraOpThreads), ...rates, fixed(first.meanTokensPerSentence, 1)];
  });
  const sentences = r.models[0]?.sentences ?? 0;
  return [
    '## 2. Model throughput (`model.run`: tokenise, infer, cut hidden states; no DTI)',
    '',
    `Sentences/s by batch size and onnxruntime intra-op threads: median of timed repetitions, each repeating a pass over the same ${sentences} example-corpus sentences.`,
    '',
    ...table(['model', 'threads', ...MODEL_BATCH_SIZES.map((b) => `batch ${b}`), 'tokens/sentence'], rows),
  ];
}

function studySection(r: BenchResults): string[] {
  const s = r.study;
  const first = s.runs[0];
  return [
    '## 3. Embedded study vs corpus size (`runEmbeddedStudy`, one fresh process per size)',
    '',
    `Model ${s.model}, batch size ${first?.batchSize ?? '-'}, intra-op threads ${first?.intraOpThreads ?? "onnxruntime's default"}; ` +
      'synthetic corpora of unique sentences recombined from the example corpus (3 domains). ' +
      'Peak RSS is the kernel high-water mark (VmHWM); the sampled peak comes from process.memoryUsage() every 100 ms. ' +
      'Every 500 ms the child forces a full GC and samples again ("settled"); the 2nd-half slopes fit those samples in the second half of each run ' +
      'against sentences processed (the first half holds model loading and allocator warm-up). The forced GCs cost a few percent of throughput. ' +
      `The verdict comes from the largest run: live-heap slope at most ${s.heapSlopeThresholdMBPer1k} MB per 1k sentences, and a settled-RSS high-water in the second half ` +
      `at most ${s.rssRiseToleranceMB} MB above the first half's (native allocators move RSS in steps of up to ~13 MB either way, so a straight-line RSS fit is only indicative).`,
    '',
    ...table(
      ['sentences', 'sentences/s', 'sentences per CPU-second', 'seconds', 'peak RSS MB', 'sampled peak RSS MB', 'RSS before study MB', 'peak heap MB', 'heap at end (after GC) MB', '2nd-half live heap MB/1k', '2nd-half settled RSS MB/1k', 'settled RSS high-water 1st -> 2nd half MB'],
      s.runs.map((run) => [
        String(run.size),
        fixed(run.sentencesPerSecond, 1),
        fixed(run.sentencesPerCpuSecond, 1),
        fixed(run.studySeconds, 1),
        fixed(run.peakMB, 1),
        fixed(run.peakRssMB, 1),
        fixed(run.baselineRssMB, 1),
        fixed(run.peakHeapUsedMB, 1),
        fixed(run.heapUsedEndMB, 1),
        run.trend ? run.trend.heapSlopeMBPer1k.toFixed(3) : '-',
        run.trend ? run.trend.rssSlopeMBPer1k.toFixed(3) : '-',
        run.trend ? `${run.trend.firstHalfMaxRssMB.toFixed(0)} -> ${run.trend.secondHalfMaxRssMB.toFixed(0)}` : '-',
      ]),
    ),
    '',
    `- Peak RSS slope: **${s.peakRssSlopeMBPer1k.toFixed(3)} MB per 1k sentences** (least squares over all sizes above; includes allocator warm-up, which short runs do not finish).`,
    `- Peak RSS slope between the two largest sizes: ${s.peakRssLargestSlopeMBPer1k.toFixed(3)} MB per 1k sentences.`,
    `- Heap-at-end slope: ${s.heapEndSlopeMBPer1k.toFixed(3)} MB per 1k sentences.`,
    `- **Verdict: ${s.verdict}**`,
  ];
}

/** The human-readable summary of a bench run. */
export function resultsMarkdown(r: BenchResults): string {
  return [
    '# DONALD-D benchmark',
    '',
    ...machineSection(r),
    '',
    ...dtiSection(r),
    '',
    ...modelSection(r),
    '',
    ...studySection(r),
    '',
  ].join('\n');
}
