import type { Command } from 'commander';
import { loadModel } from '../../model/loadedModel.ts';
import { describeModel, type ModelDescription } from '../../model/modelDescription.ts';
import { formatSlotShape, type TensorSlot } from '../../model/tensorSlot.ts';

function slotLines(slots: readonly TensorSlot[]): string[] {
  const width = Math.max(0, ...slots.map((s) => s.name.length));
  return slots.map((s) => `  ${s.name.padEnd(width)}  ${s.type.padEnd(8)} ${formatSlotShape(s.shape)}`);
}

/** The description as the lines a person reads; --json prints the same data whole. */
export function formatModelDescription(d: ModelDescription): string {
  const lines: string[] = [];
  if (d.randomWeights) {
    lines.push('WARNING: this model has RANDOM weights (config.json donald.randomWeights); its results test the pipeline, not a trained model');
  }
  lines.push(
    `model folder:   ${d.dir}`,
    `onnx graph:     ${d.files.onnx}`,
    `config:         ${d.files.config}`,
    `tokenizer:      ${d.files.tokenizer}${d.files.tokenizerConfig ? ` (+ ${d.files.tokenizerConfig})` : ''}`,
  );
  if (d.files.sidecar) lines.push(`sidecar:        ${d.files.sidecar}`);
  lines.push(
    `architecture:   ${d.architecture}`,
    `model type:     ${d.modelType} (${d.causal ? 'causal decoder' : 'bidirectional encoder'})`,
    `layers:         ${d.layers}`,
    `hidden size:    ${d.hiddenSize}`,
    `max positions:  ${d.maxPositions ?? 'not declared'}${d.maxTokens !== null && d.maxTokens !== d.maxPositions ? ` (sentences limited to ${d.maxTokens} tokens)` : ''}`,
    `vocabulary:     ${d.vocabSize ?? 'not declared'}`,
    'inputs:',
    ...slotLines(d.inputs),
    'outputs:',
    ...slotLines(d.outputs),
  );
  if (d.hiddenStates) {
    lines.push(`hidden states:  ${d.hiddenStates.from}`);
    for (const { layer, read } of d.hiddenStates.layers) lines.push(`  ${layer === 0 ? 'embedding' : `layer ${layer}`}`.padEnd(14) + `<- ${read}`);
  } else {
    lines.push('hidden states:  none found in the graph outputs');
  }
  const t = d.tokenizer;
  lines.push(`tokenizer kind: ${t.kind}${t.markers.length > 0 ? `; labels cleaned of ${t.markers.join(', ')}` : ''}`);
  lines.push(`special tokens: ${t.specialTokens.length > 0 ? t.specialTokens.map((s) => `${s.content} (${s.id})`).join(', ') : 'none'}`);
  if (d.problems.length > 0) {
    lines.push('problems:');
    for (const p of d.problems) lines.push(`  - ${p}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerInspectModel(program: Command): void {
  program
    .command('inspect-model <dir>')
    .description('show a model directory: architecture, layers, inputs/outputs, where hidden states are read')
    .option('--json', 'print the description as JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const loaded = await loadModel(dir, {});
      try {
        const description = describeModel(loaded);
        process.stdout.write(opts.json ? `${JSON.stringify(description, null, 2)}\n` : formatModelDescription(description));
      } finally {
        await loaded.session.release();
      }
    });
}
