import { zeros, type Matrix } from './matrix.ts';

/** scipy's default truncate: the kernel reaches 4 standard deviations. */
const TRUNCATE = 4;
/** scipy skips an axis whose sigma is at most this (ndimage/_filters.py). */
const NO_SMOOTHING_SIGMA = 1e-15;

/**
 * scipy.ndimage._gaussian_kernel1d (order 0): radius floor(4 sigma + 0.5),
 * weights exp(-x^2 / (2 sigma^2)) normalised to sum 1. Index i holds offset i - radius.
 */
export function gaussianKernel1d(sigma: number): Float64Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`sigma must be a finite number >= 0, got ${sigma}`);
  const radius = Math.floor(TRUNCATE * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  if (radius === 0) {
    kernel[0] = 1;
    return kernel;
  }
  // Written as scipy writes it, exp(-0.5 / sigma^2 * x^2), so rounding matches closely.
  const factor = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = 0; i < kernel.length; i++) {
    const x = i - radius;
    kernel[i] = Math.exp(factor * x * x);
    sum += kernel[i];
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/**
 * SPEC §4 smoothing = scipy.ndimage.gaussian_filter(m, sigma, mode='nearest'): separable,
 * applied along axis 0 (layers) and then axis 1 (tokens) as scipy does; sigma 0 on an axis
 * leaves that axis untouched.
 */
export function gaussianFilter(m: Matrix, sigma: readonly [number, number]): Matrix {
  const [sigmaLayers, sigmaTokens] = sigma;
  let current = m.data;
  if (sigmaLayers > NO_SMOOTHING_SIGMA) {
    const next = new Float64Array(current.length);
    const kernel = gaussianKernel1d(sigmaLayers);
    for (let c = 0; c < m.cols; c++) correlateNearest(current, next, c, m.cols, m.rows, kernel);
    current = next;
  }
  if (sigmaTokens > NO_SMOOTHING_SIGMA) {
    const next = new Float64Array(current.length);
    const kernel = gaussianKernel1d(sigmaTokens);
    for (let r = 0; r < m.rows; r++) correlateNearest(current, next, r * m.cols, 1, m.cols, kernel);
    current = next;
  }
  const out = zeros(m.rows, m.cols);
  out.data.set(current);
  return out;
}

/**
 * 1-D correlation of one strided line with a symmetric kernel; samples beyond either end
 * repeat the edge value (scipy mode 'nearest').
 */
function correlateNearest(
  src: Float64Array,
  dst: Float64Array,
  start: number,
  stride: number,
  count: number,
  kernel: Float64Array,
): void {
  const radius = (kernel.length - 1) / 2;
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let j = 0; j < kernel.length; j++) {
      let p = i + j - radius;
      if (p < 0) p = 0;
      else if (p >= count) p = count - 1;
      sum += kernel[j] * src[start + p * stride];
    }
    dst[start + i * stride] = sum;
  }
}
