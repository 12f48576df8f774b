import type { Command } from 'commander';
import path from 'node:path';
import { runSentences } from '../compare/sentenceRuns.ts';
import type { DtiFields } from '../math/dtiTypes.ts';
import { openModel } from '../model/onnxHiddenStateModel.ts';
import { randomWeightsNote } from '../pipeline/studyReport.ts';
import { addDtiOptions, readDtiFlags, type DtiFlagValues } from './dtiOptions.ts';
import { addSessionOptions, readSessionFlags, type SessionFlagValues } from './sessionOptions.ts';

/** Flags of every command that runs sentences through one model (analyze-text, plot, pair). */
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
    const [run] = await runSentences(model, [sentence], { params, includeEmbeddings, dropSpecialTokens: flags.dropSpecialTokens, truncate: flags.truncate });
    const notes = randomWeightsNote(model.info);
    if (run.truncated) notes.push(`the sentence was cut to ${run.tokens.length} tokens (--truncate)`);
    return {
      fields: run.fields,
      firstLayer: run.firstLayer,
      tokens: run.tokens,
      title: `${path.basename(model.info.dir)}: "${sentence}" (${run.fields.matrix.rows} layers x ${run.tokens.length} tokens)`,
      notes,
    };
  } finally {
    await model.close();
  }
}
