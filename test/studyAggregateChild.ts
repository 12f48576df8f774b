/**
 * Test helper run as a child process (node --import tsx): `aggregate` with a small segment size,
 * which the CLI has no flag for, so a test can SIGKILL an aggregator between checkpoints.
 * Usage: studyAggregateChild.ts <study file> <segmentSize> [redis url]
 */
import { aggregateStudy } from '../pipelines/aggregateStudy.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { loadStudy } from '../src/study/loadStudy.ts';

const [file, segmentArg, redisUrl] = process.argv.slice(2);
if (file === undefined || segmentArg === undefined) throw new Error('usage: studyAggregateChild.ts <study file> <segmentSize> [redis url]');
const loaded = await loadStudy(file);
const study = redisUrl === undefined ? loaded : { ...loaded, redis: { ...loaded.redis, url: redisUrl } };
await aggregateStudy(study, {
  progress: false,
  segmentSize: Number(segmentArg),
  pollMs: 50,
  modelInfo: async () => {
    const model = await openModel(study.model);
    await model.close();
    return model.info;
  },
});
