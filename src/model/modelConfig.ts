import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../userError.ts';

/** What config.json (or onnxruntime-genai's genai_config.json) says about the network. */
export interface ModelConfig {
  /** The file the values came from, for messages. */
  readonly file: string;
  readonly architecture: string;
  readonly modelType: string;
  readonly layers: number;
  readonly hiddenSize: number;
  /** Position-embedding table size; null when the config does not bound the sequence. */
  readonly maxPositions: number | null;
  /** Rows of the token embedding; null when unknown. */
  readonly vocabSize: number | null;
  readonly padTokenId: number | null;
  readonly causal: boolean;
  readonly randomWeights: boolean;
}

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first key present as a positive integer, searched in each object in turn. */
function firstInteger(objects: readonly JsonObject[], keys: readonly string[]): number | null {
  for (const o of objects) {
    for (const k of keys) {
      const v = o[k];
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    }
  }
  return null;
}

function firstString(objects: readonly JsonObject[], keys: readonly string[]): string | null {
  for (const o of objects) {
    for (const k of keys) {
      const v = o[k];
      if (typeof v === 'string' && v.length > 0) return v;
    }
  }
  return null;
}

// Model types whose Hugging Face class is a causal decoder; architecture names cover the rest.
const CAUSAL_TYPES = new Set([
  'gpt2', 'gpt_neo', 'gpt_neox', 'gptj', 'llama', 'mistral', 'mixtral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3_text',
  'phi', 'phi3', 'opt', 'bloom', 'falcon', 'mpt', 'codegen', 'olmo', 'olmo2', 'stablelm', 'starcoder2', 'smollm3', 'granite',
]);

function isCausal(modelType: string, architecture: string, objects: readonly JsonObject[]): boolean {
  if (objects.some((o) => o.is_decoder === true)) return true;
  if (/ForCausalLM$|LMHeadModel$/.test(architecture)) return true;
  return CAUSAL_TYPES.has(modelType.toLowerCase());
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the model config (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); re-export the model config`);
  }
}

/**
 * Reads the model config from `configPath`. Besides the Hugging Face keys of the common
 * families it looks inside a nested `model` / `model.decoder` object, which is where
 * onnxruntime-genai's genai_config.json (and configs merged with it) keep the same numbers.
 */
export function readModelConfig(configPath: string): ModelConfig {
  const raw = readJson(configPath);
  if (!isObject(raw)) throw new UserError(`${configPath}: expected a JSON object; re-export the model config`);
  const nested = isObject(raw.model) ? raw.model : {};
  const decoder = isObject(nested.decoder) ? nested.decoder : {};
  const textConfig = isObject(raw.text_config) ? raw.text_config : {};
  const objects = [raw, textConfig, nested, decoder];

  const layers = firstInteger(objects, ['num_hidden_layers', 'n_layer', 'n_layers', 'num_layers']);
  const hiddenSize = firstInteger(objects, ['hidden_size', 'n_embd', 'd_model', 'dim']);
  if (layers === null) {
    throw new UserError(`${path.basename(configPath)} in ${path.dirname(configPath)}: no layer count (num_hidden_layers / n_layer); add it to the config`);
  }
  if (hiddenSize === null) {
    throw new UserError(`${path.basename(configPath)} in ${path.dirname(configPath)}: no hidden size (hidden_size / n_embd); add it to the config`);
  }
  const architectures = raw.architectures;
  const architecture =
    Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : (firstString(objects, ['architecture']) ?? 'unknown');
  const modelType = firstString(objects, ['model_type', 'type']) ?? 'unknown';
  const donald = isObject(raw.donald) ? raw.donald : {};
  const pad = objects.map((o) => o.pad_token_id).find((v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0);
  return {
    file: configPath,
    architecture,
    modelType,
    layers,
    hiddenSize,
    maxPositions: firstInteger(objects, ['max_position_embeddings', 'n_positions', 'n_ctx', 'max_seq_len', 'context_length']),
    vocabSize: firstInteger(objects, ['vocab_size']),
    padTokenId: pad ?? null,
    causal: isCausal(modelType, architecture, objects),
    randomWeights: donald.randomWeights === true,
  };
}
