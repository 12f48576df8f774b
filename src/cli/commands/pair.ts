import path from 'node:path';
import type { Command } from 'commander';
import { anisotropyDifference, utilisationDifference } from '../../compare/fieldDifference.ts';
import { runSentences, type SentenceRun } from '../../compare/sentenceRuns.ts';
import { alignTokens, describeAlignment } from '../../compare/tokenAlignment.ts';
import { openModel } from '../../model/onnxHiddenStateModel.ts';
import { randomWeightsNote } from '../../pipeline/studyReport.ts';
import { renderComparisonPicture } from '../../picture/comparisonPicture.ts';
import { renderDifferencePanel } from '../../picture/differencePanel.ts';
import { renderFlowPicture } from '../../picture/flowPicture.ts';
import { pictureFormatOf, writePicture } from '../../picture/pictureFile.ts';
import { formatPairUtilisation } from '../../report/utilisationComparisonTable.ts';
import { readDtiFlags } from '../dtiOptions.ts';
import { addSentenceOptions, addSessionAndDtiOptions, type SentenceFlagValues } from '../sentenceFields.ts';
import { readSessionFlags } from '../sessionOptions.ts';

interface PairFlags extends SentenceFlagValues {
  readonly out?: string;
}

export function registerPair(program: Command): void {
  const cmd = addSentenceOptions(
    program
      .command('pair <sentenceA> <sentenceB>')
      .alias('minimal-pair')
      .description('a minimal pair through one model: both flow pictures and their difference B - A (paper Figures 3-4), plus a per-layer utilisation table'),
  ).option('--out <picture>', 'write the picture here; .svg or .png by the extension');
  addSessionAndDtiOptions(cmd).action(async (sentenceA: string, sentenceB: string, flags: PairFlags) => {
    if (flags.out !== undefined) pictureFormatOf(flags.out);
    const { params, includeEmbeddings } = readDtiFlags(flags);
    const model = await openModel(flags.model, readSessionFlags(flags));
    let runs: SentenceRun[];
    try {
      runs = await runSentences(model, [sentenceA, sentenceB], { params, includeEmbeddings, dropSpecialTokens: flags.dropSpecialTokens, truncate: flags.truncate });
    } finally {
      await model.close();
    }
    const [a, b] = runs;
    const name = path.basename(path.resolve(model.info.dir));
    const alignment = alignTokens(a.tokens, b.tokens);
    const alignmentNote = describeAlignment(alignment, a.tokens, b.tokens);
    if (alignment.mode === 'text') process.stderr.write(`donald pair: ${alignmentNote}\n`);
    const utilisation = utilisationDifference(a.fields.utilisation, b.fields.utilisation);
    const anisotropy = anisotropyDifference(a.fields.anisotropy, b.fields.anisotropy, alignment);

    const notes = [...randomWeightsNote(model.info)];
    for (const [label, run] of [['A', a], ['B', b]] as const) {
      if (run.truncated) notes.push(`sentence ${label} was cut to ${run.tokens.length} tokens (--truncate)`);
    }
    const title = `${name}: minimal pair`;
    process.stdout.write(
      formatPairUtilisation(
        { name: 'A', firstLayer: a.firstLayer, utilisation: a.fields.utilisation },
        { name: 'B', firstLayer: b.firstLayer, utilisation: b.fields.utilisation },
        utilisation,
        {
          title: [title, `A: "${sentenceA}"`, `B: "${sentenceB}"`, `tokens A: ${a.tokens.join(' | ')}`, `tokens B: ${b.tokens.join(' | ')}`, alignmentNote].join('\n'),
          note: notes.join('\n') || undefined,
        },
      ),
    );
    if (flags.out !== undefined) {
      const flowPanel = (label: string, run: SentenceRun): string =>
        renderFlowPicture(run.fields, {
          firstLayer: run.firstLayer,
          tokenLabels: run.tokens,
          title: `${label} (${run.fields.matrix.rows} layers x ${run.tokens.length} tokens)`,
        });
      const difference = renderDifferencePanel({
        firstLayer: a.firstLayer,
        utilisation,
        anisotropy,
        alignment,
        tokensA: a.tokens,
        tokensB: b.tokens,
        title: 'Difference B \u2212 A',
        notes: [alignmentNote],
      });
      const svg = renderComparisonPicture([flowPanel('A', a), flowPanel('B', b), difference], {
        title,
        notes: [`A: "${sentenceA}"`, `B: "${sentenceB}"`, ...notes],
      });
      await writePicture(flags.out, svg);
      process.stderr.write(`wrote ${flags.out}\n`);
    }
  });
}
