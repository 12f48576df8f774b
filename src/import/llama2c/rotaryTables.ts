/**
 * Rotary-embedding tables as llama2.c computes them in float32: the pair (2j, 2j+1) of every head
 * is rotated by pos * theta^(-2j / headSize). Shape [positions, 1, headSize / 2], so a Gather by
 * position broadcasts over the head axis of [batch, seq, heads, headSize / 2].
 */
export function rotaryTables(positions: number, headSize: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headSize / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let j = 0; j < half; j++) {
    const freq = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * j) / headSize))));
    for (let pos = 0; pos < positions; pos++) {
      const angle = Math.fround(pos * freq);
      cos[pos * half + j] = Math.cos(angle);
      sin[pos * half + j] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
