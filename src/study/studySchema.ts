import { z } from 'zod';
import { DEFAULT_DTI_PARAMS } from '../math/dtiTypes.ts';
import { EXECUTION_PROVIDERS, GRAPH_OPTIMIZATION_LEVELS } from '../model/modelTypes.ts';

/*
 * The study file as written. Keys are camelCase throughout (modelOptions, backoffMs); unknown keys
 * are errors so a misspelt or snake_case key never silently falls back to a default.
 */

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_RULE = 'expected letters, digits, ".", "_" or "-", starting with a letter or digit';

export const studyName = z.string().regex(NAME_PATTERN, { error: NAME_RULE });

const nonEmpty = z.string().min(1);
const count = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const sigmaPair = z.tuple([z.number().min(0), z.number().min(0)]);

const corpusEntry = z.preprocess(
  // `- news.txt` is shorthand for `- { path: news.txt }`.
  (value) => (typeof value === 'string' ? { path: value } : value),
  z.strictObject({
    path: nonEmpty,
    domain: nonEmpty.optional(),
    format: z.enum(['auto', 'txt', 'jsonl', 'csv', 'tsv']).default('auto'),
    textColumn: nonEmpty.optional(),
    idColumn: nonEmpty.optional(),
    domainColumn: nonEmpty.optional(),
  }),
);

const dti = z.strictObject({
  normalise: z.enum(['row', 'column', 'global', 'none']).default(DEFAULT_DTI_PARAMS.normalise),
  sigmaGrad: sigmaPair.default((): [number, number] => [...DEFAULT_DTI_PARAMS.sigmaGrad]),
  sigmaTensor: sigmaPair.default((): [number, number] => [...DEFAULT_DTI_PARAMS.sigmaTensor]),
  eps: z.number().positive().default(DEFAULT_DTI_PARAMS.eps),
});

const modelOptions = z.strictObject({
  dropSpecialTokens: z.boolean().default(false),
  truncate: z.boolean().default(false),
  batchSize: count.default(16),
  maxTokens: count.nullable().default(null),
  intraOpThreads: count.nullable().default(null),
  graphOptimization: z.enum(GRAPH_OPTIMIZATION_LEVELS).default('all'),
  executionProvider: z.enum(EXECUTION_PROVIDERS).default('cpu'),
});

const redis = z.strictObject({
  url: z.string().regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
  /** Defaults to donald-<name>. */
  queue: studyName.optional(),
});

const jobs = z.strictObject({
  batchSize: count.default(32),
  attempts: count.default(3),
  backoffMs: nonNegativeInt.default(1000),
  keepCompleted: nonNegativeInt.default(1000),
  keepFailed: nonNegativeInt.default(5000),
  maxQueued: count.default(200),
  /** How long a worker holds a job before others may take it over (BullMQ lockDuration); a crashed worker's batch waits about this long. */
  lockMs: count.default(30_000),
  /** Workers wait before a new batch while the results stream holds more outcomes than this (not yet aggregated and trimmed). */
  maxResultBacklog: count.default(50_000),
  /** The aggregator checkpoints, then trims the results stream, every this many outcomes. */
  aggregateSegment: count.default(20_000),
}).check((ctx) => {
  const { aggregateSegment, maxResultBacklog } = ctx.value;
  // Workers wait for a trim once the stream passes maxResultBacklog; the aggregator trims only at
  // a checkpoint. A segment larger than the backlog would leave workers waiting on a checkpoint
  // that needs their outcomes first.
  if (aggregateSegment > maxResultBacklog) {
    ctx.issues.push({
      code: 'custom',
      input: aggregateSegment,
      path: ['aggregateSegment'],
      message: `expected at most jobs.maxResultBacklog (${maxResultBacklog}), got ${aggregateSegment}: workers stop at maxResultBacklog un-aggregated outcomes and the aggregator trims only every aggregateSegment; lower aggregateSegment or raise maxResultBacklog`,
    });
  }
});

export const studySchema = z.strictObject({
  /** Defaults to the study file's name without extension. */
  name: studyName.optional(),
  /** Optional here because --model may supply it; loadStudy insists on one of the two. */
  model: nonEmpty.optional(),
  corpus: z.array(corpusEntry).min(1).optional(),
  dti: dti.default(() => dti.parse({})),
  modelOptions: modelOptions.default(() => modelOptions.parse({})),
  /** Defaults to out/<name> beside the study file. */
  output: nonEmpty.optional(),
  fields: z.boolean().default(false),
  redis: redis.default(() => redis.parse({})),
  concurrency: count.default(1),
  jobs: jobs.default(() => jobs.parse({})),
});

export type StudyFileContents = z.output<typeof studySchema>;
