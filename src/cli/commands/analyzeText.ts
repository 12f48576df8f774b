import path from 'node:path';
import type { Command } from 'commander';
import { dtiFields } from '../../math/dti.ts';
import { openModel } from '../../model/onnxHiddenStateModel.ts';
import { randomWeightsNote } from '../../pipeline/studyReport.ts';
import { writeFieldsOutputs } from '../../report/fieldsOutput.ts';
import { formatLayerTable } from '../../report/layerTable.ts';
import { UserError } from '../../userError.ts';
import { addDtiOptions, readDtiFlags, type DtiFlagValues } from '../dtiOptions.ts';
import { addSessionOptions, readSessionFlags, type SessionFlagValues } from '../sessionOptions.ts';

interface AnalyzeTextFlags extends DtiFlagValues, SessionFlagValues {
  readonly model: string;
  readonly dropSpecialTokens?: boolean;
  readonly truncate?: boolean;
  readonly json?: string;
  readonly svg?: string;
}

export function registerAnalyzeText(program: Command): void {
  const cmd = program
    .command('analyze-text <sentence>')
    .description('run one sentence through a model and print its per-layer utilisation (optionally its flow picture)')
    .requiredOption('--model <dir>', 'model directory (config.json, tokenizer.json, model.onnx with every hidden state)')
    .option('--drop-special-tokens', 'leave [CLS]/<s>/... out of the matrix (kept by default, as in the paper)')
    .option('--truncate', "cut a sentence longer than the model's limit instead of refusing it")
    .option('--json <out.json>', 'write every field (SPEC §8) with token labels to this file, - for stdout, instead of the table')
    .option('--svg <picture.svg>', 'draw the flow picture (SPEC §7) with the sentence\'s tokens on the x axis');
  addDtiOptions(addSessionOptions(cmd)).action(async (sentence: string, flags: AnalyzeTextFlags) => {
    const { params, includeEmbeddings } = readDtiFlags(flags);
    const model = await openModel(flags.model, readSessionFlags(flags));
    try {
      const [result] = await model.run([sentence], { dropSpecialTokens: flags.dropSpecialTokens, truncate: flags.truncate });
      if (!result.ok) throw new UserError(`sentence ${JSON.stringify(sentence.slice(0, 60))}: ${result.reason}`);
      const fields = dtiFields(result.hidden, params, { includeEmbeddings });
      const firstLayer = result.hidden.includesEmbedding && includeEmbeddings ? 0 : 1;
      const notes = randomWeightsNote(model.info);
      if (result.truncated) notes.push(`the sentence was cut to ${result.tokens.length} tokens (--truncate)`);
      const title = `${path.basename(model.info.dir)}: "${sentence}" (${fields.matrix.rows} layers x ${result.tokens.length} tokens)`;
      await writeFieldsOutputs(fields, { json: flags.json, svg: flags.svg }, { firstLayer, labels: result.tokens, title, note: notes.join('; ') || undefined });
      if (flags.json === undefined) {
        process.stdout.write(formatLayerTable(fields, { firstLayer, title: `${title}\ntokens: ${result.tokens.join(' | ')}`, note: notes.join('\n') || undefined }));
      }
    } finally {
      await model.close();
    }
  });
}
