import { inflateSync } from 'node:zlib';

/**
 * A minimal PNG reader for the picture tests: checks the signature and reads IHDR, then decodes the
 * 8-bit RGBA images resvg writes (every filter type), so tests can look at real pixels.
 */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, row-major, RGBA. */
  readonly rgba: Uint8Array;
}

export const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('not a PNG: bad signature');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: first chunk is not IHDR');
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

export function decodePng(bytes: Uint8Array): PngImage {
  const { width, height } = pngSize(bytes);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bitDepth = view[24];
  const colourType = view[25];
  if (bitDepth !== 8 || colourType !== 6) throw new Error(`decodePng reads 8-bit RGBA only, got depth ${bitDepth} type ${colourType}`);
  const idat: Buffer[] = [];
  for (let pos = 8; pos < view.length; ) {
    const length = view.readUInt32BE(pos);
    const type = view.toString('latin1', pos + 4, pos + 8);
    if (type === 'IDAT') idat.push(view.subarray(pos + 8, pos + 8 + length));
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rgba.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rgba.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= 4 ? out[i - 4] : 0;
      const b = prev[i];
      const c = i >= 4 ? prev[i - 4] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} in row ${y}`);
      out[i] = (line[i] + predictor) & 0xff;
    }
  }
  return { width, height, rgba };
}

export function pixelAt(image: PngImage, x: number, y: number): [number, number, number, number] {
  const i = (Math.floor(y) * image.width + Math.floor(x)) * 4;
  return [image.rgba[i], image.rgba[i + 1], image.rgba[i + 2], image.rgba[i + 3]];
}
