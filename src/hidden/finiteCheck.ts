import { UserError } from '../userError.ts';
import type { CanonicalHidden } from './canonicalLayout.ts';

/** NaN or Inf would spread through every smoothing window, so it is refused at the door. */
export function assertFinite(h: CanonicalHidden, source: string): void {
  const { data, tokens, hidden } = h;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) continue;
    const layer = Math.floor(i / (tokens * hidden));
    const token = Math.floor(i / hidden) % tokens;
    const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
    throw new UserError(`${source}: holds ${what} at layer array ${layer}, token ${token}, unit ${i % hidden} (0-based); hidden states must be finite (float16 overflow? export float32)`);
  }
}
