import type { InferenceSession } from 'onnxruntime-node';
import { UserError } from '../userError.ts';
import { batchHiddenStates, resolveStackedLayout, sentenceHiddenStates, type StackedLayout } from './batchHiddenStates.ts';
import { floatOutput, type FloatOutput } from './floatOutput.ts';
import { buildFeeds, type GraphInput } from './graphInputs.ts';
import type { HiddenStateSource } from './hiddenStateOutputs.ts';
import { lengthBatches } from './lengthBatches.ts';
import { loadModel, type LoadedModel } from './loadedModel.ts';
import type { HiddenStateModel, ModelInfo, ModelRunOptions, SentenceFailure, SentenceResult, SessionSettings } from './modelTypes.ts';
import { prepareSentence, type PreparedSentence } from './preparedSentence.ts';

const DEFAULT_BATCH_SIZE = 16;

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** A model folder's ONNX graph turned into every layer's hidden states, one matrix per sentence. */
class OnnxHiddenStateModel implements HiddenStateModel {
  readonly info: ModelInfo;
  private readonly session: InferenceSession;
  private readonly inputs: readonly GraphInput[];
  private readonly source: HiddenStateSource;
  private readonly padId: number;
  /** Fixed by the first run when the graph's declared shape left it open. */
  private stackedLayout: StackedLayout | 'undecided';

  constructor(
    private readonly loaded: LoadedModel,
    inputs: readonly GraphInput[],
    source: HiddenStateSource,
  ) {
    const { config, files, tokenizer } = loaded;
    this.session = loaded.session;
    this.inputs = inputs;
    this.source = source;
    this.stackedLayout = source.kind === 'stacked' ? source.layout : 'undecided';
    const pad = config.padTokenId ?? tokenizer.padTokenId ?? 0;
    // Padded positions are masked out, so any id inside the embedding will do.
    this.padId = config.vocabSize !== null && pad >= config.vocabSize ? 0 : pad;
    this.info = {
      dir: files.dir,
      onnxPath: files.onnxPath,
      architecture: config.architecture,
      modelType: config.modelType,
      layers: config.layers,
      hiddenSize: config.hiddenSize,
      maxPositions: loaded.maxTokens,
      causal: config.causal,
      randomWeights: config.randomWeights,
    };
  }

  async run(sentences: readonly string[], options: ModelRunOptions = {}): Promise<SentenceResult[]> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batch size ${batchSize}: expected a whole number >= 1`);
    const rules = {
      maxTokens: tokenLimit(this.loaded.maxTokens, options.maxTokens),
      truncate: options.truncate ?? false,
      dropSpecialTokens: options.dropSpecialTokens ?? false,
      vocabSize: this.loaded.config.vocabSize,
    };
    const results = new Array<SentenceResult>(sentences.length);
    const prepared = new Array<PreparedSentence | undefined>(sentences.length);
    sentences.forEach((text, i) => {
      try {
        const p = prepareSentence(text, this.loaded.tokenizer, rules);
        if ('ok' in p) results[i] = p;
        else prepared[i] = p;
      } catch (err) {
        results[i] = { ok: false, reason: `tokenisation failed: ${reasonOf(err)}` };
      }
    });
    const ready = prepared.flatMap((p, i) => (p ? [i] : []));
    const lengths = prepared.map((p) => p?.ids.length ?? 0);
    for (const batch of lengthBatches(lengths, ready, batchSize)) {
      const items = batch.map((i) => prepared[i] as PreparedSentence);
      try {
        const out = await this.runBatch(items);
        batch.forEach((i, k) => (results[i] = out[k]));
      } catch (err) {
        // One sentence can break a whole batch (an op failing on its length); rerun each alone.
        if (batch.length === 1) {
          results[batch[0]] = { ok: false, reason: `inference failed: ${reasonOf(err)}` };
          continue;
        }
        for (const i of batch) {
          try {
            results[i] = (await this.runBatch([prepared[i] as PreparedSentence]))[0];
          } catch (single) {
            results[i] = { ok: false, reason: `inference failed: ${reasonOf(single)}` };
          }
        }
      }
    }
    return results;
  }

  /** One padded batch through the graph; a sentence whose matrix cannot be cut fails alone. */
  private async runBatch(items: readonly PreparedSentence[]): Promise<SentenceResult[]> {
    const tokens = Math.max(...items.map((p) => p.ids.length));
    const feeds = buildFeeds(this.inputs, { rows: items.map((p) => p.ids), tokens, padId: this.padId });
    const fetches = this.source.kind === 'per-layer' ? [...this.source.names] : [this.source.name];
    // Failures come back as exceptions and become the sentence's reason; onnxruntime's own log would repeat them.
    const raw = await this.session.run(feeds, fetches, { logSeverityLevel: 4 });
    const outputs = new Map<string, FloatOutput>();
    for (const name of fetches) {
      const value = raw[name];
      if (!value) throw new Error(`the run returned no output '${name}'`);
      outputs.set(name, floatOutput(value, name));
    }
    const layerArrays = this.info.layers + 1;
    if (this.source.kind === 'stacked') {
      const dims = (outputs.get(this.source.name) as FloatOutput).dims;
      this.stackedLayout = resolveStackedLayout(dims, layerArrays, items.length, this.stackedLayout);
    }
    const batch = batchHiddenStates(
      this.source,
      outputs,
      { layerArrays, batch: items.length, tokens, hidden: this.info.hiddenSize },
      this.stackedLayout === 'undecided' ? 'layers-first' : this.stackedLayout,
    );
    return items.map((p, b): SentenceResult => {
      try {
        return { ok: true, tokens: p.tokens, tokenIds: p.tokenIds, hidden: sentenceHiddenStates(batch, b, p.columns), truncated: p.truncated };
      } catch (err) {
        const failure: SentenceFailure = { ok: false, reason: `reading hidden states failed: ${reasonOf(err)}` };
        return failure;
      }
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Opens a model folder for hidden-state extraction. A folder that is missing a file or whose
 * files disagree (layer count, vocabulary, no hidden-state outputs) is a UserError naming the fix.
 */
export async function openModel(dir: string, settings: SessionSettings = {}): Promise<HiddenStateModel> {
  const loaded = await loadModel(dir, settings);
  if (loaded.problems.length > 0 || !loaded.graphInputs.ok || !loaded.hiddenStates.ok) {
    await loaded.session.release();
    throw new UserError(loaded.problems[0]);
  }
  return new OnnxHiddenStateModel(loaded, loaded.graphInputs.inputs, loaded.hiddenStates.source);
}

/** A study may hold sentences to fewer tokens than the model allows, never to more. */
function tokenLimit(model: number | null, study: number | undefined): number | null {
  if (study === undefined) return model;
  if (!Number.isInteger(study) || study < 1) throw new UserError(`maxTokens ${study}: expected a whole number >= 1`);
  return model === null ? study : Math.min(model, study);
}
