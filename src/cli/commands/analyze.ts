import type { Command } from 'commander';
import { readHiddenStateFile } from '../../hidden/hiddenStateFile.ts';
import type { HiddenStates } from '../../hidden/hiddenStates.ts';
import { isLayout, LAYOUTS, type Layout } from '../../hidden/layout.ts';
import { readTokenLabels } from '../../hidden/tokenLabels.ts';
import { dtiFields } from '../../math/dti.ts';
import { pictureFormatOf } from '../../picture/pictureFile.ts';
import { writeFieldsOutputs } from '../../report/fieldsOutput.ts';
import { formatLayerTable } from '../../report/layerTable.ts';
import { UserError } from '../../userError.ts';
import { addDtiOptions, readDtiFlags, type DtiFlagValues } from '../dtiOptions.ts';

interface AnalyzeFlagValues extends DtiFlagValues {
  readonly layout: string;
  readonly layers?: string;
  readonly hidden?: string;
  readonly batchIndex?: string;
  readonly embeddingRow: boolean;
  readonly tokens?: string;
  readonly json?: string;
  readonly svg?: string;
  readonly plot?: string;
}

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command('analyze <file>')
    .description('DTI fields and per-layer utilisation of one hidden-state file (.npy, .safetensors, .json)')
    .option('--layout <layout>', `axis order of the file: auto, ${LAYOUTS.join(', ')} (L layers, T tokens, D hidden, B batch)`, 'auto')
    .option('--layers <n>', "the model's layer count, to find the layer axis (n or n+1 arrays both fit)")
    .option('--hidden <n>', "the model's hidden size, checked against the last axis")
    .option('--batch-index <i>', 'which sentence of a batch axis to analyse (0-based)')
    .option('--no-embedding-row', 'the file holds only transformer-block outputs (no embedding output at index 0)')
    .option('--tokens <tokens.json>', 'token strings (JSON array, one per token) for the JSON output; its length also helps find the token axis')
    .option('--json <out.json>', 'write every field (SPEC §8) to this file, - for stdout, instead of the table')
    .option('--svg <picture.svg>', 'draw the flow picture (SPEC §7): tiles coloured by direction, ellipses of the local tensor, utilisation bars')
    .option('--plot <picture.svg|.png>', 'the same picture as --svg, as SVG or PNG by the extension');
  addDtiOptions(cmd).action(async (file: string, raw: AnalyzeFlagValues) => {
    await analyze(file, raw);
  });
}

async function analyze(file: string, raw: AnalyzeFlagValues): Promise<void> {
  const { params, includeEmbeddings } = readDtiFlags(raw);
  // A wrong extension is refused before the file is read.
  if (raw.plot !== undefined) pictureFormatOf(raw.plot);
  if (includeEmbeddings && !raw.embeddingRow) {
    throw new UserError('--include-embeddings and --no-embedding-row contradict each other: the file either has an embedding row or not; drop one');
  }
  const labels = raw.tokens === undefined ? undefined : await readTokenLabels(raw.tokens);
  const hidden = await readHiddenStateFile(file, {
    layout: parseLayoutFlag(raw.layout),
    layers: parseCountFlag('--layers', raw.layers, 1),
    hidden: parseCountFlag('--hidden', raw.hidden, 1),
    batchIndex: parseCountFlag('--batch-index', raw.batchIndex, 0),
    tokens: labels?.length,
    embeddingRow: raw.embeddingRow,
  });
  checkLayersLeft(hidden, includeEmbeddings, file);
  const fields = dtiFields(hidden, params, { includeEmbeddings });
  // Layers are numbered 1..L (1 = first block); the embedding output, when kept, is layer 0.
  const firstLayer = hidden.includesEmbedding && includeEmbeddings ? 0 : 1;

  const title = `${file}: ${fields.matrix.rows} layers x ${hidden.tokens} tokens (normalise ${params.normalise}, sigma grad ${params.sigmaGrad.join(',')}, sigma tensor ${params.sigmaTensor.join(',')})`;
  await writeFieldsOutputs(fields, { json: raw.json, svg: raw.svg, plot: raw.plot }, { firstLayer, labels, title });
  if (raw.json === undefined) {
    process.stdout.write(
      formatLayerTable(fields, {
        firstLayer,
        title,
        note: 'Utilisation: share of the structure tensor along the token axis (eq. 10); low = little change across tokens = pruning candidate.',
      }),
    );
  }
}

function checkLayersLeft(h: HiddenStates, includeEmbeddings: boolean, file: string): void {
  if (h.includesEmbedding && !includeEmbeddings && h.layers < 2) {
    throw new UserError(`${file}: holds one layer array, which is taken as the embedding output and dropped; pass --no-embedding-row if it is a block output`);
  }
}

function parseLayoutFlag(value: string): Layout | 'auto' {
  if (value === 'auto' || isLayout(value)) return value;
  throw new UserError(`--layout ${JSON.stringify(value)}: expected auto, ${LAYOUTS.join(', ')}`);
}

function parseCountFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UserError(`${flag} ${JSON.stringify(value)}: expected a whole number >= ${min}`);
  return n;
}
