import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GraphBuilder, encodeModel } from '../src/onnx/graphBuilder.ts';

/**
 * Small model folders built inside the tests, so src/model can be tested without the shipped
 * fixtures: a graph whose every layer mixes each token with a masked mean of the sentence
 * (bidirectional) or a running mean of the tokens so far (causal). Padding that leaked through
 * the attention mask, or a causal model that saw later tokens, would change the numbers.
 */

export const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'far', 'a', 'red', 'hat', '##s', '##ing', '.', ','];
export const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
export const VOCAB = [...SPECIALS, ...WORDS];

export interface TinyGraphOptions {
  readonly layers: number;
  readonly hidden: number;
  readonly causal: boolean;
  /** How the hidden states leave the graph. */
  readonly exposure: 'per-layer' | 'stacked-layers-first' | 'stacked-batch-first' | 'none';
  readonly outputType?: 'float32' | 'float16';
  readonly tokenTypeIds?: boolean;
  readonly positionIds?: boolean;
  readonly idType?: 'int64' | 'int32';
  /** Number of per-layer outputs to write when it should disagree with the config. */
  readonly exposedLayers?: number;
}

/** Deterministic pseudo-random weights in [-1, 1). */
function weights(count: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

export function tinyGraph(options: TinyGraphOptions): Uint8Array {
  const { layers, hidden: H, causal } = options;
  const idType = options.idType ?? 'int64';
  const g = new GraphBuilder('tiny');
  const ids = g.input('input_ids', idType, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', idType, ['batch_size', 'sequence_length']);
  if (options.tokenTypeIds) g.input('token_type_ids', idType, ['batch_size', 'sequence_length']);
  const positions = options.positionIds ? g.input('position_ids', idType, ['batch_size', 'sequence_length']) : null;

  const table = g.constFloat('embed.weight', weights(VOCAB.length * H, 7), [VOCAB.length, H]);
  const ids64 = idType === 'int64' ? ids : g.op('Cast', [ids], { to: { int: 7 } });
  let h = g.op('Gather', [table, ids64]);
  if (positions) {
    const posTable = g.constFloat('pos.weight', weights(64 * H, 11), [64, H]);
    const pos64 = idType === 'int64' ? positions : g.op('Cast', [positions], { to: { int: 7 } });
    h = g.op('Add', [h, g.op('Gather', [posTable, pos64])]);
  }
  const maskF = g.op('Cast', [mask], { to: { int: 1 } });
  const axis2 = g.constInt64('axis2', [2]);
  const axis1 = g.constInt64('axis1', [1]);
  const mask3 = g.op('Unsqueeze', [maskF, axis2]);
  const states = [h];
  for (let l = 0; l < layers; l++) {
    const w = g.constFloat(`layer${l}.w`, weights(H * H, 100 + l), [H, H]);
    const masked = g.op('Mul', [h, mask3]);
    const context = causal
      ? g.op('Div', [g.op('CumSum', [masked, axis1]), g.op('CumSum', [mask3, axis1])])
      : g.op('Div', [g.op('ReduceSum', [masked, axis1], { keepdims: { int: 1 } }), g.op('ReduceSum', [mask3, axis1], { keepdims: { int: 1 } })]);
    h = g.op('Add', [h, g.op('Tanh', [g.op('Add', [g.op('MatMul', [h, w]), context])])]);
    states.push(h);
  }
  const outType = options.outputType ?? 'float32';
  const typed = (name: string): string => (outType === 'float16' ? g.op('Cast', [name], { to: { int: 10 } }) : name);
  g.node('Identity', [typed(h)], ['last_hidden_state']);
  g.output('last_hidden_state', outType, ['batch_size', 'sequence_length', H]);
  if (options.exposure === 'per-layer') {
    const count = options.exposedLayers ?? layers + 1;
    for (let l = 0; l < count; l++) {
      g.node('Identity', [typed(states[l])], [`hidden_states.${l}`]);
      g.output(`hidden_states.${l}`, outType, ['batch_size', 'sequence_length', H]);
    }
  } else if (options.exposure !== 'none') {
    const layerAxis = options.exposure === 'stacked-layers-first' ? g.constInt64('axis0', [0]) : axis1;
    const stacked = g.op('Concat', states.map((s) => g.op('Unsqueeze', [typed(s), layerAxis])), { axis: { int: options.exposure === 'stacked-layers-first' ? 0 : 1 } });
    g.node('Identity', [stacked], ['hidden_states']);
    const dims = options.exposure === 'stacked-layers-first' ? [layers + 1, 'batch_size', 'sequence_length', H] : ['batch_size', layers + 1, 'sequence_length', H];
    g.output('hidden_states', outType, dims);
  }
  return encodeModel(g.toModel({ opset: 17 }));
}

/** A WordPiece tokenizer.json over VOCAB; `template` adds [CLS] ... [SEP] (BERT) or nothing. */
export function wordPieceTokenizer(template: 'bert' | 'none'): Record<string, unknown> {
  const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((s, i) => special(s, i)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor:
      template === 'bert'
        ? {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
            pair: [
              { SpecialToken: { id: '[CLS]', type_id: 0 } },
              { Sequence: { id: 'A', type_id: 0 } },
              { SpecialToken: { id: '[SEP]', type_id: 0 } },
              { Sequence: { id: 'B', type_id: 1 } },
              { SpecialToken: { id: '[SEP]', type_id: 1 } },
            ],
            special_tokens: {
              '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
              '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
            },
          }
        : null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(VOCAB.map((w, i) => [w, i])) },
  };
}

export interface TinyFolderOptions extends TinyGraphOptions {
  readonly maxPositions?: number;
  readonly configLayers?: number;
  readonly vocabSize?: number;
  readonly withTokenizer?: boolean;
  readonly withOnnx?: boolean;
  readonly onnxName?: string;
}

/** Writes config.json, tokenizer.json, tokenizer_config.json and the graph into `dir`. */
export function writeTinyModelFolder(dir: string, options: TinyFolderOptions): string {
  mkdirSync(dir, { recursive: true });
  const config = {
    architectures: [options.causal ? 'TinyForCausalLM' : 'TinyModel'],
    model_type: options.causal ? 'tiny-causal' : 'tiny-encoder',
    num_hidden_layers: options.configLayers ?? options.layers,
    hidden_size: options.hidden,
    max_position_embeddings: options.maxPositions ?? 64,
    vocab_size: options.vocabSize ?? VOCAB.length,
    pad_token_id: 0,
    is_decoder: options.causal,
    donald: { randomWeights: true },
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  if (options.withTokenizer ?? true) {
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(wordPieceTokenizer(options.causal ? 'none' : 'bert')));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 1e30, pad_token: '[PAD]', do_lower_case: true }));
  }
  if (options.withOnnx ?? true) writeFileSync(path.join(dir, options.onnxName ?? 'model.onnx'), tinyGraph(options));
  return dir;
}
