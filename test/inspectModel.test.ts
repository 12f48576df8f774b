import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelDescription } from '../src/model/modelDescription.ts';
import { repoRoot } from './sharedAssets.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'models');

function donald(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'donald.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('donald inspect-model', () => {
  it('prints architecture, sizes, inputs/outputs, where each layer is read, the tokenizer and the random-weights warning', () => {
    const dir = path.join(fixtures, 'tiny-bert');
    const r = donald('inspect-model', dir);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^WARNING: this model has RANDOM weights/);
    expect(lines).toContain('architecture:   BertModel');
    expect(lines).toContain('model type:     bert (bidirectional encoder)');
    expect(lines).toContain('layers:         4');
    expect(lines).toContain('hidden size:    32');
    expect(lines).toContain('max positions:  128');
    expect(lines).toContain(`onnx graph:     ${dir}/model.onnx`);
    expect(lines).toContain('  input_ids       int64    [batch, sequence]');
    expect(lines).toContain('  token_type_ids  int64    [batch, sequence]');
    expect(lines).toContain('  hidden_states.4    float32  [batch, sequence, 32]');
    expect(lines).toContain('hidden states:  per-layer outputs');
    expect(lines).toContain('  embedding   <- hidden_states.0');
    expect(lines).toContain('  layer 4     <- hidden_states.4');
    expect(lines).toContain('tokenizer kind: WordPiece; labels cleaned of continuing-subword prefix ##');
    expect(lines).toContain('special tokens: [PAD] (0), [UNK] (1), [CLS] (2), [SEP] (3), [MASK] (4)');
    expect(r.stdout).not.toContain('problems:');
  });

  it('--json gives the same description as data', () => {
    const r = donald('inspect-model', path.join(fixtures, 'tiny-gpt2'), '--json');
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout) as ModelDescription;
    expect(d).toMatchObject({ architecture: 'GPT2Model', modelType: 'gpt2', layers: 4, hiddenSize: 32, maxPositions: 128, maxTokens: 128, vocabSize: 1757, causal: true, randomWeights: true, problems: [] });
    expect(d.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
    expect(d.outputs.find((o) => o.name === 'hidden_states.0')).toEqual({ name: 'hidden_states.0', type: 'float32', shape: ['batch', 'sequence', 32] });
    expect(d.hiddenStates?.layers).toEqual([0, 1, 2, 3, 4].map((layer) => ({ layer, read: `hidden_states.${layer}` })));
    expect(d.tokenizer).toMatchObject({ kind: 'BPE', markers: ['byte-level (Ġ = space)'], specialTokens: [{ id: 1756, content: '<|endoftext|>' }], modelMaxLength: 128 });
  });

  it('shows a graph without hidden states, and names the expose-layers fix under problems', () => {
    const dir = path.join(fixtures, 'tiny-bert-last-hidden');
    const r = donald('inspect-model', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('hidden states:  none found in the graph outputs');
    expect(r.stdout).toContain(`problems:\n  - ${dir}/model.onnx: the graph outputs no hidden states (outputs: last_hidden_state); run \`donald expose-layers ${dir}\` to add one output per layer\n`);
  });

  it('a folder that does not exist exits 2 with one line naming it', () => {
    const dir = path.join(fixtures, 'nowhere');
    const r = donald('inspect-model', dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`donald: ${dir}: no such folder; give the model folder (config.json, tokenizer.json, model.onnx)\n`);
  });
});
