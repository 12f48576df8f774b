import type { Command } from 'commander';
import { modelNames, parseModelList } from '../../compare/modelList.ts';
import { runSentences, type SentenceRun } from '../../compare/sentenceRuns.ts';
import { openModel } from '../../model/onnxHiddenStateModel.ts';
import { renderComparisonPicture } from '../../picture/comparisonPicture.ts';
import { renderFlowPicture } from '../../picture/flowPicture.ts';
import { pictureFormatOf, writePicture } from '../../picture/pictureFile.ts';
import { formatUtilisationComparison } from '../../report/utilisationComparisonTable.ts';
import { readDtiFlags, type DtiFlagValues } from '../dtiOptions.ts';
import { addSessionAndDtiOptions } from '../sentenceFields.ts';
import { readSessionFlags, type SessionFlagValues } from '../sessionOptions.ts';

interface CompareFlags extends DtiFlagValues, SessionFlagValues {
  readonly models: string;
  readonly out?: string;
  readonly dropSpecialTokens?: boolean;
  readonly truncate?: boolean;
}

interface ModelRun extends SentenceRun {
  readonly name: string;
  readonly randomWeights: boolean;
}

export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare <sentence>')
    .description('run one sentence through several models: their flow pictures side by side (paper Figure 2) and a per-layer utilisation table')
    .requiredOption('--models <a,b,...>', 'two or more model folders, separated by commas')
    .option('--out <picture>', 'write the side-by-side picture here; .svg or .png by the extension')
    .option('--drop-special-tokens', 'leave [CLS]/<s>/... out of the matrix (kept by default, as in the paper)')
    .option('--truncate', "cut a sentence longer than a model's limit instead of refusing it");
  addSessionAndDtiOptions(cmd).action(async (sentence: string, flags: CompareFlags) => {
    const dirs = parseModelList(flags.models);
    if (flags.out !== undefined) pictureFormatOf(flags.out);
    const { params, includeEmbeddings } = readDtiFlags(flags);
    const session = readSessionFlags(flags);
    const names = modelNames(dirs);
    const runs: ModelRun[] = [];
    // One model in memory at a time: several large models side by side would not fit together.
    for (const [i, dir] of dirs.entries()) {
      process.stderr.write(`running ${names[i]} (${i + 1} of ${dirs.length})\n`);
      const model = await openModel(dir, session);
      try {
        const [run] = await runSentences(model, [sentence], { params, includeEmbeddings, dropSpecialTokens: flags.dropSpecialTokens, truncate: flags.truncate });
        runs.push({ ...run, name: names[i], randomWeights: model.info.randomWeights });
      } finally {
        await model.close();
      }
    }

    const notes = comparisonNotes(runs);
    const title = `"${sentence}"`;
    const tokenLines = runs.map((r) => `tokens (${r.name}, ${r.tokens.length}): ${r.tokens.join(' | ')}`);
    process.stdout.write(
      formatUtilisationComparison(
        runs.map((r) => ({ name: r.name, firstLayer: r.firstLayer, utilisation: r.fields.utilisation })),
        { title: `Utilisation per layer, ${title}\n${tokenLines.join('\n')}`, note: notes.join('\n') || undefined },
      ),
    );
    if (flags.out !== undefined) {
      const panels = runs.map((r) =>
        renderFlowPicture(r.fields, {
          firstLayer: r.firstLayer,
          tokenLabels: r.tokens,
          title: `${r.name} (${r.fields.matrix.rows} layers x ${r.tokens.length} tokens)`,
          note: r.randomWeights ? 'random weights' : undefined,
        }),
      );
      await writePicture(flags.out, renderComparisonPicture(panels, { title, notes }));
      process.stderr.write(`wrote ${flags.out}\n`);
    }
  });
}

/** What a reader must know to compare the panels fairly. */
function comparisonNotes(runs: readonly ModelRun[]): string[] {
  const notes: string[] = [];
  const counts = runs.map((r) => r.tokens.length);
  if (counts.some((c) => c !== counts[0])) {
    notes.push(`token counts differ (${runs.map((r) => `${r.name} ${r.tokens.length}`).join(', ')}): each panel shows its own model's tokens`);
  }
  const random = runs.filter((r) => r.randomWeights).map((r) => r.name);
  if (random.length > 0) {
    const [what, whose] = random.length === 1 ? ['a shipped demo model', 'its'] : ['shipped demo models', 'their'];
    notes.push(`RANDOM weights: ${random.join(', ')} (${what}): ${whose} numbers show the pipeline working, they say nothing about language`);
  }
  const truncated = runs.filter((r) => r.truncated).map((r) => `${r.name} (${r.tokens.length} tokens)`);
  if (truncated.length > 0) notes.push(`the sentence was cut (--truncate) for ${truncated.join(', ')}`);
  return notes;
}
