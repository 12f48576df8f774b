import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModelInfo } from '../model/modelTypes.ts';
import { studyForManifest, studyHash } from '../study/studyManifest.ts';
import type { Study } from '../study/studyTypes.ts';
import { sha256File, type SentenceCounts, type StudyManifest } from '../writers/manifestWriter.ts';
import type { IntakeCounts } from './corpusIntake.ts';
import type { AggregatorResult } from './studyAggregator.ts';

/** Libraries whose versions shape the numbers or the files, recorded in every manifest. */
const RECORDED_PACKAGES = ['onnxruntime-node', '@huggingface/tokenizers', 'apache-arrow', 'parquet-wasm', 'bullmq'];

export function randomWeightsNote(info: ModelInfo): string[] {
  return info.randomWeights
    ? [`${path.basename(info.dir)} has RANDOM weights (a shipped demo model): its numbers show the pipeline working, they say nothing about language`]
    : [];
}

/**
 * The sentence accounting every study must close: each sentence read is processed, failed
 * (unreadable records included), a duplicate or empty. A gap is a bug, so it throws.
 */
export function closeAccounts(intake: IntakeCounts, result: Pick<AggregatorResult, 'processed' | 'failed'>): SentenceCounts {
  const counts = { read: intake.read, processed: result.processed, failed: result.failed, duplicate: intake.duplicate, empty: intake.empty };
  const accounted = counts.processed + counts.failed + counts.duplicate + counts.empty;
  if (accounted !== counts.read) {
    throw new Error(`sentence accounting does not close: read ${counts.read} but processed+failed+duplicate+empty = ${accounted}`);
  }
  return counts;
}

/** The manifest of a finished study, not yet written: pipelines write it (ManifestWriter) last, after every other output. */
export async function buildManifest(
  study: Study,
  model: ModelInfo,
  counts: SentenceCounts,
  startedAt: Date,
  mode: StudyManifest['mode'],
): Promise<StudyManifest> {
  const finishedAt = new Date();
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  const manifest: StudyManifest = {
    study: studyForManifest(study),
    studyHash: studyHash(study),
    model: { dir: model.dir, onnxFile: model.onnxPath, sha256: await sha256File(model.onnxPath) },
    packageVersions: packageVersions(),
    counts,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds,
    sentencesPerSecond: seconds > 0 ? counts.processed / seconds : 0,
    mode,
    notes: randomWeightsNote(model),
  };
  return manifest;
}

function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = { node: process.versions.node };
  for (const name of RECORDED_PACKAGES) versions[name] = installedVersion(require, name);
  const own = require('../../package.json') as { version: string };
  versions['donald-d'] = own.version;
  return versions;
}

/** Version of an installed package, found from its entry point (some packages do not export package.json). */
function installedVersion(require: NodeRequire, name: string): string {
  try {
    let dir = path.dirname(require.resolve(name));
    while (dir !== path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (existsSync(manifest)) {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed: say so below
  }
  return 'unknown';
}

/** The few lines a researcher reads first, on stderr. */
export function summaryLines(study: Study, outDir: string, manifest: StudyManifest, result: AggregatorResult): string[] {
  const c = manifest.counts;
  const lines = [
    `${study.name}: read ${c.read}, processed ${c.processed}, failed ${c.failed}, duplicate ${c.duplicate}, empty ${c.empty} in ${manifest.seconds.toFixed(1)} s (${manifest.sentencesPerSecond.toFixed(1)} sentences/s)`,
  ];
  for (const r of result.rankings) {
    const top = r.layers.slice(0, 3).map((l) => `layer ${l.layer} (${(l.utilisationMean * 100).toFixed(1)} %)`);
    lines.push(`  ${r.domain}: least utilised ${top.join(', ')}`);
  }
  lines.push(...manifest.notes.map((n) => `  note: ${n}`));
  lines.push(`  outputs in ${outDir}`);
  return lines;
}
