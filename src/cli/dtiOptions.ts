import type { Command } from 'commander';
import { DEFAULT_DTI_PARAMS, type DtiParams, type Normalisation } from '../math/dtiTypes.ts';
import { UserError } from '../userError.ts';

const NORMALISATIONS: readonly Normalisation[] = ['row', 'column', 'global', 'none'];
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Raw values of the shared DTI flags as commander hands them over (strings, or unset). */
export interface DtiFlagValues {
  readonly normalise?: string;
  readonly sigmaGrad?: string;
  readonly sigmaTensor?: string;
  readonly eps?: string;
  readonly includeEmbeddings?: boolean;
}

export interface DtiFlags {
  readonly params: DtiParams;
  readonly includeEmbeddings: boolean;
}

/** Adds the DTI flags every analysing command shares (SPEC §1-4). */
export function addDtiOptions(cmd: Command): Command {
  const d = DEFAULT_DTI_PARAMS;
  return cmd
    .option('--include-embeddings', 'keep the embedding output (index 0) as layer 0 instead of dropping it')
    .option('--normalise <mode>', `min-max normalisation: ${NORMALISATIONS.join(', ')} (default ${d.normalise})`)
    .option('--sigma-grad <L,T>', `Gaussian sigma on the gradients, layers,tokens; 0 = none (default ${d.sigmaGrad.join(',')})`)
    .option('--sigma-tensor <L,T>', `Gaussian sigma on the tensor components, layers,tokens (default ${d.sigmaTensor.join(',')})`)
    .option('--eps <E>', `positive regulariser of the tensor and the ratios (default ${d.eps})`);
}

/** Checks the raw flag values; a bad one is a UserError naming the flag and the expected form. */
export function readDtiFlags(raw: DtiFlagValues): DtiFlags {
  const d = DEFAULT_DTI_PARAMS;
  return {
    params: {
      normalise: raw.normalise === undefined ? d.normalise : parseNormalisation(raw.normalise),
      sigmaGrad: raw.sigmaGrad === undefined ? d.sigmaGrad : parseSigmaPair('--sigma-grad', raw.sigmaGrad),
      sigmaTensor: raw.sigmaTensor === undefined ? d.sigmaTensor : parseSigmaPair('--sigma-tensor', raw.sigmaTensor),
      eps: raw.eps === undefined ? d.eps : parseEps(raw.eps),
    },
    includeEmbeddings: raw.includeEmbeddings ?? false,
  };
}

export function parseNormalisation(value: string): Normalisation {
  const found = NORMALISATIONS.find((n) => n === value);
  if (!found) throw new UserError(`--normalise ${JSON.stringify(value)}: expected one of ${NORMALISATIONS.join(', ')}`);
  return found;
}

/** "L,T": two finite sigmas >= 0 for the layer and token axes. */
export function parseSigmaPair(flag: string, value: string): readonly [number, number] {
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map((p) => (DECIMAL.test(p) ? Number(p) : NaN));
  if (parts.length !== 2 || numbers.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new UserError(`${flag} ${JSON.stringify(value)}: expected two sigmas >= 0 for layers,tokens, e.g. ${flag} 1,1`);
  }
  return [numbers[0], numbers[1]];
}

export function parseEps(value: string): number {
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--eps ${JSON.stringify(value)}: expected a positive number, e.g. --eps 1e-8`);
  return n;
}
