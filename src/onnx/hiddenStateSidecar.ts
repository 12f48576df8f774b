import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../userError.ts';
import { writeOrExplain } from './onnxModelFile.ts';

export const SIDECAR_FORMAT = 'donald-hidden-states/1';

const outputSchema = z.object({
  /** 0 = embedding output, k = output of block k. */
  layer: z.number().int().nonnegative(),
  /** Graph output name (hidden_states.k). */
  name: z.string().min(1),
  /** The tensor inside the graph the output copies. */
  tensor: z.string().min(1),
  source: z.enum(['embedding', 'block']),
  /** True where the tensor is an optional output that expose-layers added to a fused node. */
  addedToFusedNode: z.boolean(),
});

const sidecarSchema = z.object({
  format: z.literal(SIDECAR_FORMAT),
  /** The rewritten model, relative to the sidecar's folder. */
  model: z.string().min(1),
  /** The model it was rewritten from, relative to the sidecar's folder. */
  original: z.string().min(1),
  /** Transformer blocks; outputs has layers + 1 entries. */
  layers: z.number().int().positive(),
  hiddenSize: z.number().int().positive().nullable(),
  /** Element type of every hidden-state output, as in the graph (float16 stays float16). */
  dtype: z.enum(['float32', 'float16', 'bfloat16', 'float64']),
  normPlacement: z.enum(['pre', 'post']),
  /** Always false: one output per layer, [batch, sequence, hidden] each, never one stacked tensor. */
  stacked: z.literal(false),
  outputs: z.array(outputSchema),
});

export type HiddenStateOutput = z.infer<typeof outputSchema>;
export type HiddenStateSidecar = z.infer<typeof sidecarSchema>;

/** The sidecar sits beside the rewritten model with the same base name: model.hidden_states.json. */
export function hiddenStateSidecarPath(modelPath: string): string {
  const ext = path.extname(modelPath);
  return path.join(path.dirname(modelPath), `${path.basename(modelPath, ext)}.json`);
}

export function writeHiddenStateSidecar(sidecarPath: string, sidecar: HiddenStateSidecar): void {
  const text = `${JSON.stringify(sidecarSchema.parse(sidecar), null, 2)}\n`;
  writeOrExplain(sidecarPath, () => writeFileSync(sidecarPath, text));
}

export function readHiddenStateSidecar(sidecarPath: string): HiddenStateSidecar {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(sidecarPath, 'utf8'));
  } catch (err) {
    throw new UserError(`${sidecarPath}: cannot read the hidden-state sidecar (${(err as Error).message}); run donald expose-layers again`);
  }
  const parsed = sidecarSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${sidecarPath}: not a hidden-state sidecar (${issue.path.join('.') || 'root'}: ${issue.message}); run donald expose-layers again`);
  }
  const sidecar = parsed.data;
  const layersInOrder = sidecar.outputs.length === sidecar.layers + 1 && sidecar.outputs.every((o, i) => o.layer === i);
  if (!layersInOrder) {
    throw new UserError(`${sidecarPath}: outputs must list layers 0..${sidecar.layers} in order; run donald expose-layers again`);
  }
  return sidecar;
}
