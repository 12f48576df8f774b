import type { Command } from 'commander';
import { pictureFormatOf, writePicture } from '../../picture/pictureFile.ts';
import { renderFlowPicture } from '../../picture/flowPicture.ts';
import { addSentenceOptions, addSessionAndDtiOptions, sentenceFields, type SentenceFlagValues } from '../sentenceFields.ts';

interface PlotFlags extends SentenceFlagValues {
  readonly out: string;
}

/** `donald plot`: the paper's diffusion-ellipse figure of one sentence, with per-layer utilisation bars. */
export function registerPlot(program: Command): void {
  const cmd = addSentenceOptions(
    program.command('plot <sentence>').description("draw one sentence's flow picture (SPEC §7) with each layer's utilisation beside it, as SVG or PNG"),
  ).requiredOption('--out <picture.svg|.png>', 'where to write the picture; the extension picks the format');
  addSessionAndDtiOptions(cmd).action(async (sentence: string, flags: PlotFlags) => {
    // A wrong extension is refused before the model runs.
    pictureFormatOf(flags.out);
    const { fields, firstLayer, tokens, title, notes } = await sentenceFields(sentence, flags);
    const svg = renderFlowPicture(fields, { firstLayer, tokenLabels: tokens, title, note: notes.join('; ') || undefined });
    await writePicture(flags.out, svg);
    process.stderr.write(`donald: wrote ${flags.out} (${fields.matrix.rows} layers x ${tokens.length} tokens)\n`);
  });
}
