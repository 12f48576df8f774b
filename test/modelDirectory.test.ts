import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHiddenStateSidecar } from '../src/onnx/hiddenStateSidecar.ts';
import { locateModelFiles } from '../src/model/modelDirectory.ts';
import { readModelConfig } from '../src/model/modelConfig.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { UserError } from '../src/userError.ts';
import { tinyGraph, writeTinyModelFolder, type TinyFolderOptions } from './modelTestFolders.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'donald-model-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const encoder: TinyFolderOptions = { layers: 2, hidden: 4, causal: false, exposure: 'per-layer' };
let folders = 0;
function folder(options: TinyFolderOptions = encoder): string {
  return writeTinyModelFolder(path.join(tmp, `m${folders++}`), options);
}

async function openError(dir: string): Promise<UserError> {
  try {
    const model = await openModel(dir);
    await model.close();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error(`openModel(${dir}) succeeded but should have failed`);
}

describe('model folder files', () => {
  it('missing tokenizer.json: UserError naming the folder and save_pretrained', async () => {
    const dir = folder({ ...encoder, withTokenizer: false });
    const err = await openError(dir);
    expect(err.message).toBe(
      `${dir}: no tokenizer.json; save the fast tokenizer beside the model (AutoTokenizer.from_pretrained(name).save_pretrained(dir)); vocab.txt or tokenizer.model alone are not read`,
    );
  });

  it('missing ONNX graph: UserError naming the folder and the export command', async () => {
    const dir = folder({ ...encoder, withOnnx: false });
    const err = await openError(dir);
    expect(err.message).toMatch(new RegExp(`^${dir}: no model\\.onnx here or in ${dir}/onnx; export the model to ONNX`));
  });

  it('missing config.json and a folder that does not exist', async () => {
    const dir = folder();
    rmSync(path.join(dir, 'config.json'));
    expect((await openError(dir)).message).toMatch(/no config\.json; save the model config/);
    expect((await openError(path.join(tmp, 'nowhere'))).message).toMatch(/nowhere: no such folder/);
  });

  it('graph without hidden-state outputs: UserError pointing to donald expose-layers', async () => {
    const dir = folder({ ...encoder, exposure: 'none' });
    const err = await openError(dir);
    expect(err.message).toBe(
      `${dir}/model.onnx: the graph outputs no hidden states (outputs: last_hidden_state); run \`donald expose-layers ${dir}\` to add one output per layer`,
    );
  });

  it('config layer count that disagrees with the graph names both files', async () => {
    const dir = folder({ ...encoder, configLayers: 4 });
    const err = await openError(dir);
    expect(err.message).toMatch(/model\.onnx: exposes 3 hidden states \(0\.\.2\) but .*config\.json declares 4 layers, so 5 are needed/);
  });

  it('a tokenizer larger than the embedding table names tokenizer.json and config.json', async () => {
    const dir = folder({ ...encoder, vocabSize: 10 });
    const err = await openError(dir);
    expect(err.message).toBe(
      `${dir}/tokenizer.json: produces token ids up to 18 but ${dir}/config.json gives the model only 10 embedding rows (vocab_size); use the tokenizer saved with this model`,
    );
  });

  it('a hidden size that disagrees with the graph outputs names the config', async () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ num_hidden_layers: 2, hidden_size: 8 }));
    expect((await openError(dir)).message).toMatch(/output 'hidden_states\.0' is float32 \[batch_size, sequence_length, 4\], not a float \[batch, tokens, 8\]/);
  });

  it('finds the optimum layout: config and tokenizer at the top, the graph in onnx/', () => {
    const dir = folder();
    mkdirSync(path.join(dir, 'onnx'));
    renameSync(path.join(dir, 'model.onnx'), path.join(dir, 'onnx', 'model.onnx'));
    const files = locateModelFiles(dir);
    expect(files.onnxPath).toBe(path.join(dir, 'onnx', 'model.onnx'));
    expect(files.configPath).toBe(path.join(dir, 'config.json'));
  });

  it('prefers the expose-layers rewrite over model.onnx, and the model its sidecar names over both', async () => {
    const dir = folder({ ...encoder, exposure: 'none' });
    writeFileSync(path.join(dir, 'model.hidden_states.onnx'), tinyGraph(encoder));
    expect(locateModelFiles(dir).onnxPath).toBe(path.join(dir, 'model.hidden_states.onnx'));
    const model = await openModel(dir);
    expect(model.info.onnxPath).toBe(path.join(dir, 'model.hidden_states.onnx'));
    await model.close();

    copyFileSync(path.join(dir, 'model.hidden_states.onnx'), path.join(dir, 'rewritten.onnx'));
    rmSync(path.join(dir, 'model.hidden_states.onnx'));
    writeHiddenStateSidecar(path.join(dir, 'model.hidden_states.json'), {
      format: 'donald-hidden-states/1',
      model: 'rewritten.onnx',
      original: 'model.onnx',
      layers: 2,
      hiddenSize: 4,
      dtype: 'float32',
      normPlacement: 'pre',
      stacked: false,
      outputs: [0, 1, 2].map((layer) => ({ layer, name: `hidden_states.${layer}`, tensor: `t${layer}`, source: layer === 0 ? 'embedding' : 'block', addedToFusedNode: false })),
    });
    const files = locateModelFiles(dir);
    expect(files.onnxPath).toBe(path.join(dir, 'rewritten.onnx'));
    expect(files.sidecar?.content.layers).toBe(2);
    const viaSidecar = await openModel(dir);
    expect((await viaSidecar.run(['a dog']))[0].ok).toBe(true);
    await viaSidecar.close();
  });

  it('a sidecar whose layer count disagrees with the config is refused', async () => {
    const dir = folder();
    writeHiddenStateSidecar(path.join(dir, 'model.hidden_states.json'), {
      format: 'donald-hidden-states/1',
      model: 'model.onnx',
      original: 'model.onnx',
      layers: 1,
      hiddenSize: 4,
      dtype: 'float32',
      normPlacement: 'pre',
      stacked: false,
      outputs: [0, 1].map((layer) => ({ layer, name: `hidden_states.${layer}`, tensor: `t${layer}`, source: layer === 0 ? 'embedding' : 'block', addedToFusedNode: false })),
    });
    expect((await openError(dir)).message).toMatch(/model\.hidden_states\.json: lists 1 layers but .*config\.json declares 2/);
  });
});

describe('model config', () => {
  it('reads GPT-2 and onnxruntime-genai key names, random weights and causality', () => {
    const gpt2 = path.join(tmp, 'gpt2-config.json');
    writeFileSync(gpt2, JSON.stringify({ architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_layer: 5, n_embd: 32, n_positions: 512, vocab_size: 1000, donald: { randomWeights: true } }));
    expect(readModelConfig(gpt2)).toMatchObject({ architecture: 'GPT2LMHeadModel', modelType: 'gpt2', layers: 5, hiddenSize: 32, maxPositions: 512, causal: true, randomWeights: true });

    const genai = path.join(tmp, 'genai_config.json');
    writeFileSync(genai, JSON.stringify({ model: { type: 'llama', context_length: 2048, vocab_size: 32000, pad_token_id: 2, decoder: { hidden_size: 16, num_hidden_layers: 2 } } }));
    expect(readModelConfig(genai)).toMatchObject({ modelType: 'llama', layers: 2, hiddenSize: 16, maxPositions: 2048, vocabSize: 32000, padTokenId: 2, causal: true, randomWeights: false });

    const bert = path.join(tmp, 'bert-config.json');
    writeFileSync(bert, JSON.stringify({ architectures: ['BertModel'], model_type: 'bert', num_hidden_layers: 2, hidden_size: 8, max_position_embeddings: 64 }));
    expect(readModelConfig(bert)).toMatchObject({ causal: false, randomWeights: false });
  });

  it('a config without a layer count or hidden size is a UserError saying which key to add', () => {
    const file = path.join(tmp, 'bad-config.json');
    writeFileSync(file, JSON.stringify({ hidden_size: 8 }));
    expect(() => readModelConfig(file)).toThrowError(/no layer count \(num_hidden_layers \/ n_layer\); add it/);
    writeFileSync(file, '{ not json');
    expect(() => readModelConfig(file)).toThrowError(/bad-config\.json: not valid JSON/);
  });
});
