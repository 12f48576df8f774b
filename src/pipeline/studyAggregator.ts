import { readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Matrix } from '../math/matrix.ts';
import { duckRanking, type DomainRanking } from '../stats/duckRanking.ts';
import { LayerStatsAccumulator, type LayerStatsJson, type LayerStatsRow } from '../stats/layerStatsAccumulator.ts';
import { copyFileAtomic, writeFileAtomic } from '../writers/atomicFile.ts';
import { FailuresWriter } from '../writers/failuresWriter.ts';
import { LayerStatsWriter } from '../writers/layerStatsWriter.ts';
import { concatParquetFiles } from '../writers/parquetConcat.ts';
import { RankingWriter } from '../writers/rankingWriter.ts';
import { DEFAULT_ROWS_PER_GROUP, SentencesWriter, sentencesSchema, type SentenceRecord } from '../writers/sentencesWriter.ts';
import { ensureFolder, writeFailure } from '../writers/writeFailure.ts';
import type { ProcessedSentence, SentenceOutcome } from './sentenceOutcome.ts';

/** Where an aggregation stands; enough to resume it exactly after a crash. */
export interface AggregatorState {
  readonly accumulator: LayerStatsJson;
  readonly processed: number;
  readonly failed: number;
  /** Completed segments of sentences.parquet under .segments/. */
  readonly segments: number;
  /** Length of the working failures log (.segments/failures.jsonl) covered by this state (later bytes are from an unfinished segment). */
  readonly failuresBytes: number;
}

export interface AggregatorOptions {
  readonly fields: boolean;
}

export interface AggregatorResult {
  readonly rows: LayerStatsRow[];
  readonly rankings: DomainRanking[];
  readonly processed: number;
  readonly failed: number;
}

const SEGMENTS_DIR = '.segments';

/**
 * Folds sentence outcomes into a study's outputs. Memory is O(domains x layers) plus one Parquet
 * row group: statistics are streaming moments, sentences stream into segment files. A segment
 * is the unit of durability: `endSegment` closes it and returns a state from which `open` resumes
 * (later segment files and failures lines are discarded, and the caller re-delivers their outcomes).
 * `finish` joins the segments into sentences.parquet and writes statistics and rankings.
 */
export class StudyAggregator {
  private readonly accumulator: LayerStatsAccumulator;
  private processed: number;
  private failed: number;
  private segments: number;
  private sentences: SentencesWriter | undefined;
  private readonly failures: FailuresWriter;

  private constructor(
    readonly outDir: string,
    private readonly options: AggregatorOptions,
    state: AggregatorState | undefined,
  ) {
    this.accumulator = state ? LayerStatsAccumulator.fromJSON(state.accumulator) : new LayerStatsAccumulator();
    this.processed = state?.processed ?? 0;
    this.failed = state?.failed ?? 0;
    this.segments = state?.segments ?? 0;
    // Failures collect under .segments/ and move to failures.jsonl in finish(): until the study
    // is complete, no output under its final name holds only part of it.
    this.failures = new FailuresWriter(path.join(outDir, SEGMENTS_DIR));
  }

  /** Opens fresh (no state: earlier outputs in outDir are cleared) or resumes from `state`. */
  static async open(outDir: string, options: AggregatorOptions, state?: AggregatorState): Promise<StudyAggregator> {
    await ensureFolder(outDir);
    const segmentsDir = path.join(outDir, SEGMENTS_DIR);
    const failuresPath = path.join(segmentsDir, 'failures.jsonl');
    try {
      if (state === undefined) {
        // manifest.json marks a complete study (it is written last): an earlier run's must go first.
        await rm(path.join(outDir, 'manifest.json'), { force: true });
        await rm(segmentsDir, { recursive: true, force: true });
        await rm(path.join(outDir, 'failures.jsonl'), { force: true });
      } else {
        for (const name of await listSegments(segmentsDir)) {
          if (Number(name) >= state.segments) await rm(path.join(segmentsDir, name), { recursive: true, force: true });
        }
        if ((await fileSize(failuresPath)) > state.failuresBytes) await truncate(failuresPath, state.failuresBytes);
      }
    } catch (error) {
      throw writeFailure(outDir, error);
    }
    return new StudyAggregator(outDir, options, state);
  }

  get counts(): { processed: number; failed: number } {
    return { processed: this.processed, failed: this.failed };
  }

  async fold(outcomes: readonly SentenceOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      if (outcome.kind === 'failed') {
        await this.failures.append(outcome);
        this.failed++;
        continue;
      }
      this.accumulator.add(outcome.domain, {
        utilisation: Float64Array.from(outcome.utilisation),
        meanAnisotropy: Float64Array.from(outcome.meanAnisotropy),
        blockInfluence: Float64Array.from(outcome.blockInfluence),
        angularDistance: Float64Array.from(outcome.angularDistance),
        firstLayer: outcome.firstLayer,
      });
      await this.sentenceWriter().append(sentenceRow(outcome, this.options.fields));
      this.processed++;
    }
  }

  /** Makes everything folded so far durable and returns the state to resume from. */
  async endSegment(): Promise<AggregatorState> {
    if (this.sentences !== undefined) {
      await this.sentences.close();
      this.sentences = undefined;
      this.segments++;
    }
    await this.failures.close();
    return {
      accumulator: this.accumulator.toJSON(),
      processed: this.processed,
      failed: this.failed,
      segments: this.segments,
      failuresBytes: Math.max(0, await fileSize(this.failures.path)),
    };
  }

  /** Writes sentences.parquet, layer_stats.*, ranking.* (failures.jsonl is already complete). */
  async finish(): Promise<AggregatorResult> {
    await this.endSegment();
    const segmentsDir = path.join(this.outDir, SEGMENTS_DIR);
    const files = (await listSegments(segmentsDir)).map((name) => path.join(segmentsDir, name, 'sentences.parquet'));
    const target = path.join(this.outDir, 'sentences.parquet');
    if (files.length === this.segments) {
      // Copy, not move: until the segments are removed below, a crash leaves them to join again.
      if (files.length === 1) await copyFileAtomic(files[0], target);
      else await concatParquetFiles(files, target, sentencesSchema(this.options.fields), DEFAULT_ROWS_PER_GROUP);
    } else if (!(files.length === 0 && (await fileSize(target)) >= 0)) {
      // (No segments but a sentences.parquet: an earlier finish joined them and stopped right after.)
      throw new Error(`${segmentsDir}: ${files.length} sentence segments on disk, the aggregation state expects ${this.segments}`);
    }
    await this.placeFailures();
    await rm(segmentsDir, { recursive: true, force: true });

    const rows = this.accumulator.rows();
    const rankings = duckRanking(rows);
    await new LayerStatsWriter(this.outDir).write(rows);
    await new RankingWriter(this.outDir).write(rankings);
    return { rows, rankings, processed: this.processed, failed: this.failed };
  }

  /**
   * Moves the working failures log to failures.jsonl. Without one, an empty failures.jsonl says
   * "none failed" (a missing one would leave readers guessing), unless an earlier finish already
   * placed the log and stopped right after.
   */
  private async placeFailures(): Promise<void> {
    const target = path.join(this.outDir, 'failures.jsonl');
    if ((await fileSize(this.failures.path)) >= 0) {
      try {
        await rename(this.failures.path, target);
      } catch (error) {
        throw writeFailure(target, error);
      }
    } else if ((await fileSize(target)) < 0) {
      await writeFileAtomic(target, '');
    }
  }

  private sentenceWriter(): SentencesWriter {
    if (this.sentences === undefined) {
      const dir = path.join(this.outDir, SEGMENTS_DIR, String(this.segments).padStart(6, '0'));
      this.sentences = new SentencesWriter(dir, { fields: this.options.fields });
    }
    return this.sentences;
  }
}

function sentenceRow(s: ProcessedSentence, withFields: boolean): SentenceRecord {
  const layers = s.utilisation.length;
  const tokens = s.tokens.length;
  const matrix = (values: number[]): Matrix => ({ rows: layers, cols: tokens, data: Float64Array.from(values) });
  return {
    id: s.id,
    domain: s.domain,
    tokens: s.tokens,
    utilisation: Float64Array.from(s.utilisation),
    meanAnisotropy: Float64Array.from(s.meanAnisotropy),
    fields: withFields && s.fields ? { anisotropy: matrix(s.fields.anisotropy), angle: matrix(s.fields.angle) } : undefined,
  };
}

async function listSegments(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => /^\d{6}$/.test(n)).sort();
  } catch {
    return [];
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return -1;
  }
}
