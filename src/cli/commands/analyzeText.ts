import type { Command } from 'commander';
import { pictureFormatOf } from '../../picture/pictureFile.ts';
import { writeFieldsOutputs } from '../../report/fieldsOutput.ts';
import { formatLayerTable } from '../../report/layerTable.ts';
import { addSentenceOptions, addSessionAndDtiOptions, sentenceFields, type SentenceFlagValues } from '../sentenceFields.ts';

interface AnalyzeTextFlags extends SentenceFlagValues {
  readonly json?: string;
  readonly svg?: string;
  readonly plot?: string;
}

export function registerAnalyzeText(program: Command): void {
  const cmd = addSentenceOptions(
    program.command('analyze-text <sentence>').description('run one sentence through a model and print its per-layer utilisation (optionally its flow picture)'),
  )
    .option('--json <out.json>', 'write every field (SPEC §8) with token labels to this file, - for stdout, instead of the table')
    .option('--svg <picture.svg>', 'draw the flow picture (SPEC §7) with the sentence\'s tokens on the x axis')
    .option('--plot <picture.svg|.png>', 'the same picture as --svg, as SVG or PNG by the extension');
  addSessionAndDtiOptions(cmd).action(async (sentence: string, flags: AnalyzeTextFlags) => {
    // A wrong extension is refused before the model runs.
    if (flags.plot !== undefined) pictureFormatOf(flags.plot);
    const { fields, firstLayer, tokens, title, notes } = await sentenceFields(sentence, flags);
    await writeFieldsOutputs(fields, { json: flags.json, svg: flags.svg, plot: flags.plot }, { firstLayer, labels: tokens, title, note: notes.join('; ') || undefined });
    if (flags.json === undefined) {
      process.stdout.write(formatLayerTable(fields, { firstLayer, title: `${title}\ntokens: ${tokens.join(' | ')}`, note: notes.join('\n') || undefined }));
    }
  });
}
