/**
 * Doubles as exact dyadic rationals (an integer times a power of two) and back. Sums kept this
 * way are exact, so they do not depend on the order the values came in: a study aggregated in
 * any order (workers finishing in any order, a restart from a checkpoint) gives the same bits.
 */

const view = new DataView(new ArrayBuffer(8));

export interface Dyadic {
  /** Odd (or zero) integer. */
  readonly mantissa: bigint;
  readonly exponent: number;
}

/** x = mantissa * 2^exponent exactly, for a finite double x. */
export function toDyadic(x: number): Dyadic {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return { mantissa: 0n, exponent: 0 };
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  // The implicit leading 1 of a normal number; subnormals have none.
  const top = (high & 0xfffff) | (biased === 0 ? 0 : 0x100000);
  // Drop trailing zero bits so the integers (and a sum's common scale) stay small.
  const zeros = low === 0 ? 32 + trailingZeros(top) : trailingZeros(low);
  // top * 2^32 + low < 2^53: exact as a double, and so is dividing it by a power of two it holds.
  const magnitude = BigInt((top * 2 ** 32 + low) / 2 ** zeros);
  const exponent = (biased === 0 ? -1074 : biased - 1075) + zeros;
  return { mantissa: x < 0 ? -magnitude : magnitude, exponent };
}

function trailingZeros(v: number): number {
  return 31 - Math.clz32(v & -v);
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** The double nearest to numerator / denominator (ties to even); denominator > 0. */
export function nearestDouble(numerator: bigint, denominator: bigint): number {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  if (numerator === 0n) return 0;
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  // A quotient of 55 or 56 bits, plus a sticky bit for any remainder: Number() then rounds it
  // to 53 bits exactly as the division rounded to nearest would.
  const shift = 55 - (bitLength(magnitude) - bitLength(denominator));
  const [num, den] = shift >= 0 ? [magnitude << BigInt(shift), denominator] : [magnitude, denominator << BigInt(-shift)];
  let quotient = num / den;
  if (num % den !== 0n) quotient |= 1n;
  const value = timesPowerOfTwo(Number(quotient), -shift);
  return negative ? -value : value;
}

/** value * 2^power, in steps that stay within the double range. */
function timesPowerOfTwo(value: number, power: number): number {
  let result = value;
  let left = power;
  while (left > 1000) {
    result *= 2 ** 1000;
    left -= 1000;
  }
  while (left < -1000) {
    result *= 2 ** -1000;
    left += 1000;
  }
  return result * 2 ** left;
}
