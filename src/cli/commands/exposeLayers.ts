import type { Command } from 'commander';
import { exposeLayers } from '../../onnx/exposeLayers.ts';
import { locateOnnxModel, resolveExposedModelPath } from '../../onnx/onnxModelLocation.ts';

interface ExposeLayersOptions {
  readonly out?: string;
  readonly modelFile?: string;
}

export function registerExposeLayers(program: Command): void {
  program
    .command('expose-layers <dir>')
    .description('rewrite an ONNX export so the embedding output and every block\'s output are graph outputs (hidden_states.0..N), with a sidecar JSON naming them')
    .option('--out <dir-or-file>', 'where to write: a .onnx file, or a folder (default: beside the original as <name>.hidden_states.onnx)')
    .option('--model-file <name>', 'the .onnx file inside <dir> when it holds several')
    .action(async (dir: string, options: ExposeLayersOptions) => {
      const modelPath = locateOnnxModel(dir, options.modelFile);
      const outPath = resolveExposedModelPath(modelPath, options.out);
      const result = await exposeLayers(modelPath, outPath);
      const { sidecar } = result;
      const added = sidecar.outputs.filter((o) => o.addedToFusedNode).length;
      const lines = [
        `wrote ${result.modelPath}: hidden_states.0..${sidecar.layers} (embedding + ${sidecar.layers} blocks), ${sidecar.dtype}, hidden ${sidecar.hiddenSize ?? '?'}, ${sidecar.normPlacement}-norm, blocks told apart by ${result.layersFrom === 'names' ? 'node/weight names' : 'the config layer count'}`,
        ...sidecar.outputs.map((o) => `  ${o.name} <- ${o.tensor}${o.addedToFusedNode ? ' (optional output switched on)' : ''}`),
        `sidecar ${result.sidecarPath}`,
        ...result.externalData.filter((e) => e.how !== 'in-place').map((e) => `external data ${e.location}: ${e.how}`),
      ];
      if (added > 0) lines.push(`note: ${added} output(s) come from fused nodes' optional residual-sum outputs`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
