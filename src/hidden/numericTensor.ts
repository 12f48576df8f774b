import type { Layout } from './layout.ts';

/** A dense row-major (C order) float tensor as read from a file, before any layout is applied. */
export interface NumericTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** What a format reader hands back: the tensor and what the file itself says about its axes. */
export interface LoadedTensor {
  readonly tensor: NumericTensor;
  /** A layout the file names (a JSON `layout` field, safetensors metadata); used under `auto`. */
  readonly declaredLayout?: Layout;
  /** A layout forced by how the tensor was assembled (per-layer tensors stack as LTD). */
  readonly fixedLayout?: { readonly layout: Layout; readonly origin: string };
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
