import type { Command } from 'commander';
import { importLlama2c } from '../../import/llama2c/importLlama2c.ts';

interface Llama2cOptions {
  readonly out: string;
  readonly force?: boolean;
}

export function registerImport(program: Command): void {
  const importCommand = program.command('import').description('import a model from another format (llama2c)');
  importCommand
    .command('llama2c <checkpoint> <tokenizer>')
    .summary('convert a llama2.c checkpoint and tokenizer.bin into a model directory')
    .description('convert a llama2.c checkpoint (.bin, legacy float32 export) and its tokenizer.bin into a model directory (model.onnx with every layer\'s hidden state, tokenizer.json, config.json); batches must be right-padded')
    .requiredOption('--out <model-dir>', 'directory to write (created if missing; must be empty unless --force)')
    .option('--force', 'overwrite the model files in a non-empty --out directory')
    .action((checkpoint: string, tokenizer: string, options: Llama2cOptions) => {
      const result = importLlama2c({ checkpointPath: checkpoint, tokenizerPath: tokenizer, outDir: options.out, force: options.force });
      const c = result.config;
      process.stdout.write(
        `imported ${checkpoint}: ${c.nLayers} layers, dim ${c.dim}, ${c.nHeads} heads (${c.nKvHeads} kv), vocab ${c.vocabSize}, ` +
          `${c.sharedClassifier ? 'shared' : 'separate'} classifier -> ${result.outDir} (${result.files.join(', ')})\n`,
      );
    });
}
