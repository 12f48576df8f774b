import type { Command } from 'commander';
import { aggregateStudy } from '../../../pipelines/aggregateStudy.ts';
import { runEmbeddedStudy } from '../../../pipelines/embeddedStudy.ts';
import { produceStudy } from '../../../pipelines/produceStudy.ts';
import { workStudy } from '../../../pipelines/workStudy.ts';
import { openModel } from '../../model/onnxHiddenStateModel.ts';
import { loadStudy } from '../../study/loadStudy.ts';
import type { Study } from '../../study/studyTypes.ts';
import { checkRedisReachable } from '../../transport/redisReachability.ts';

interface StudyFlags {
  readonly corpus?: string[];
  readonly domain?: string;
  readonly model?: string;
  readonly out?: string;
  readonly redis?: string;
  readonly progress: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function withStudyFlags(cmd: Command, distributed: boolean): Command {
  cmd
    .option('--corpus <path>', 'corpus file or folder, replacing the study\'s corpus (repeatable)', collect)
    .option('--domain <name>', 'domain of the --corpus sources')
    .option('--model <dir>', 'model directory, replacing the study\'s')
    .option('--out <dir>', 'output directory, replacing the study\'s')
    .option('--no-progress', 'no progress lines on stderr');
  if (distributed) cmd.option('--redis <url>', 'Redis URL, replacing the study\'s redis.url (e.g. redis://host:6379)');
  return cmd;
}

async function studyFrom(file: string, flags: StudyFlags): Promise<Study> {
  const study = await loadStudy(file, { corpus: flags.corpus, domain: flags.domain, model: flags.model, out: flags.out });
  return flags.redis ? { ...study, redis: { ...study.redis, url: flags.redis } } : study;
}

/** A distributed command's study, once its Redis answers (else a one-line error, exit 3, not a hang). */
async function distributedStudyFrom(file: string, flags: StudyFlags): Promise<Study> {
  const study = await studyFrom(file, flags);
  await checkRedisReachable(study.redis.url, { hint: `pass --redis redis://host:port or set redis.url in ${file}` });
  return study;
}

export function registerStudyCommands(program: Command): void {
  withStudyFlags(program.command('run <study>').description('run a whole study in one process, no Redis (the default mode)'), false).action(
    async (file: string, flags: StudyFlags) => {
      await runEmbeddedStudy(await studyFrom(file, flags), { progress: flags.progress });
    },
  );

  withStudyFlags(program.command('produce <study>').description("stream a study's corpus into its Redis queue, with backpressure"), true)
    .option('--fresh', "forget this queue's earlier jobs, outcomes and counts first")
    .action(async (file: string, flags: StudyFlags & { fresh?: boolean }) => {
      await produceStudy(await distributedStudyFrom(file, flags), { progress: flags.progress, fresh: flags.fresh });
    });

  withStudyFlags(program.command('work <study>').description('process queued batches (start any number, on any host)'), true)
    .option('--exit-when-done', 'stop once every queued sentence has an outcome (default: run until Ctrl-C)')
    .action(async (file: string, flags: StudyFlags & { exitWhenDone?: boolean }) => {
      await workStudy(await distributedStudyFrom(file, flags), { exitWhenDone: flags.exitWhenDone, log: flags.progress });
    });

  withStudyFlags(program.command('aggregate <study>').description('fold processed sentences into the study outputs; ends when the study is complete'), true).action(
    async (file: string, flags: StudyFlags) => {
      const study = await distributedStudyFrom(file, flags);
      await aggregateStudy(study, {
        progress: flags.progress,
        modelInfo: async () => {
          const model = await openModel(study.model);
          await model.close();
          return model.info;
        },
      });
    },
  );
}
