import type { Command } from 'commander';
import path from 'node:path';
import { dtiFields } from '../math/dti.ts';
import type { DtiFields } from '../math/dtiTypes.ts';
import { openModel } from '../model/onnxHiddenStateModel.ts';
import { tooFewTokens } from '../pipeline/sentenceAnalysis.ts';
import { randomWeightsNote } from '../pipeline/studyReport.ts';
import { UserError } from '../userError.ts';
import { addDtiOptions, readDtiFlags, type DtiFlagValues } from './dtiOptions.ts';
import { addSessionOptions, readSessionFlags, type SessionFlagValues } from './sessionOptions.ts';

/** Flags of every command that runs one sentence through a model (analyze-text, plot). */
export interface SentenceFlagValues extends DtiFlagValues, SessionFlagValues {
  readonly model: string;
  readonly dropSpecialTokens?: boolean;
  readonly truncate?: boolean;
}

/** The model and tokenisation flags; the command's own outputs go after them, then the shared ones. */
export function addSentenceOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--model <dir>', 'model directory (config.json, tokenizer.json, model.onnx with every hidden state)')
    .option('--drop-special-tokens', 'leave [CLS]/<s>/... out of the matrix (kept by default, as in the paper)')
    .option('--truncate', "cut a sentence longer than the model's limit instead of refusing it");
}

/** onnxruntime session and DTI flags, shared with every analysing command. */
export function addSessionAndDtiOptions(cmd: Command): Command {
  return addDtiOptions(addSessionOptions(cmd));
}

/** One sentence's fields with what its outputs say about them. */
export interface SentenceFields {
  readonly fields: DtiFields;
  readonly firstLayer: number;
  readonly tokens: readonly string[];
  /** Model, sentence and grid size. */
  readonly title: string;
  /** Random weights, truncation: things a reader must not miss. */
  readonly notes: readonly string[];
}

/** Runs `sentence` through the model of `flags.model` and computes its DTI fields; closes the model. */
export async function sentenceFields(sentence: string, flags: SentenceFlagValues): Promise<SentenceFields> {
  const { params, includeEmbeddings } = readDtiFlags(flags);
  const model = await openModel(flags.model, readSessionFlags(flags));
  try {
    const [result] = await model.run([sentence], { dropSpecialTokens: flags.dropSpecialTokens, truncate: flags.truncate });
    if (!result.ok) throw new UserError(`sentence ${JSON.stringify(sentence.slice(0, 60))}: ${result.reason}`);
    // The same rule as a study: a one-token matrix would show utilisation 0 in every layer.
    const short = tooFewTokens(result);
    if (short !== null) throw new UserError(`sentence ${JSON.stringify(sentence.slice(0, 60))}: ${short}`);
    const fields = dtiFields(result.hidden, params, { includeEmbeddings });
    const notes = randomWeightsNote(model.info);
    if (result.truncated) notes.push(`the sentence was cut to ${result.tokens.length} tokens (--truncate)`);
    return {
      fields,
      // Layers are numbered 1..L (1 = first block); the embedding output, when kept, is layer 0.
      firstLayer: result.hidden.includesEmbedding && includeEmbeddings ? 0 : 1,
      tokens: result.tokens,
      title: `${path.basename(model.info.dir)}: "${sentence}" (${fields.matrix.rows} layers x ${result.tokens.length} tokens)`,
      notes,
    };
  } finally {
    await model.close();
  }
}
