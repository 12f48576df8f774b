import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../userError.ts';
import { fsErrorReason } from './fsErrorReason.ts';
import { toCanonical } from './canonicalLayout.ts';
import { assertFinite } from './finiteCheck.ts';
import type { HiddenStates } from './hiddenStates.ts';
import { parseHiddenJson } from './jsonHidden.ts';
import { resolveLayout, type Layout, type LayoutHints } from './layout.ts';
import { parseNpy } from './npy.ts';
import type { LoadedTensor } from './numericTensor.ts';
import { parseSafetensors } from './safetensors.ts';
import { selectHiddenTensor } from './safetensorsSelection.ts';

export interface HiddenStateFileOptions extends LayoutHints {
  readonly layout?: Layout | 'auto';
  /**
   * Whether index 0 of the layer axis is the embedding output (Hugging Face's
   * output_hidden_states); default true. False for files holding only block outputs.
   */
  readonly embeddingRow?: boolean;
}

export const HIDDEN_STATE_EXTENSIONS = ['.npy', '.safetensors', '.json'] as const;

/** Reads one sentence's hidden states from .npy, .safetensors or .json into [L, T, H]. */
export async function readHiddenStateFile(file: string, opts: HiddenStateFileOptions = {}): Promise<HiddenStates> {
  const loaded = loadTensor(file, await readBytes(file));
  const hints: LayoutHints = { layers: opts.layers, tokens: opts.tokens, hidden: opts.hidden, batchIndex: opts.batchIndex };
  const requested = opts.layout ?? 'auto';
  const shape = loaded.tensor.shape;
  let layout: Layout;
  if (loaded.fixedLayout) {
    const fixed = loaded.fixedLayout;
    if (requested !== 'auto' && requested !== fixed.layout) {
      throw new UserError(`${file}: holds ${fixed.origin} ${fixed.layout}; --layout ${requested} does not apply (drop it)`);
    }
    layout = resolveLayout(shape, fixed.layout, hints, file, fixed.origin);
  } else if (requested === 'auto' && loaded.declaredLayout) {
    layout = resolveLayout(shape, loaded.declaredLayout, hints, file, 'its declared layout');
  } else {
    layout = resolveLayout(shape, requested, hints, file);
  }
  const canonical = toCanonical(loaded.tensor, layout, opts.batchIndex ?? 0);
  assertFinite(canonical, file);
  return { ...canonical, includesEmbedding: opts.embeddingRow ?? true };
}

function loadTensor(file: string, bytes: Uint8Array): LoadedTensor {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.npy':
      return { tensor: parseNpy(bytes, file) };
    case '.safetensors':
      return selectHiddenTensor(parseSafetensors(bytes, file), file);
    case '.json':
      return parseHiddenJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), file);
    default:
      throw new UserError(`${file}: unsupported file type "${ext || '(none)'}"; hidden states must be ${HIDDEN_STATE_EXTENSIONS.join(', ')}`);
  }
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read it (${fsErrorReason(err)})`);
  }
}
