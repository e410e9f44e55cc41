/**
 * Draft-03 `divisibleBy`, decided the way draft-03 validators (the `jsonschema` package among them)
 * decide it: both numbers scaled by the power of ten that makes them integers, then an integer
 * remainder. Plain float division gets both ends wrong: ajv's `multipleOf` reads the quotient
 * through `parseInt`, so 1e21 is "not a multiple of 1", and 0.3 / 0.1 is 2.9999999999999996;
 * a tolerance instead accepts -2.0000000000000004 as a multiple of 2.
 */

/** Digits after the decimal point of a number as JavaScript writes it (`1.5e-7` has 8). */
function decimalPlaces(n: number): number {
  const [mantissa = '', exponent] = String(n).split('e');
  let places = 0;
  if (exponent !== undefined) {
    // A positive exponent means no fraction at all.
    if (!exponent.startsWith('-')) return 0;
    places = Number(exponent.slice(1));
  }
  const dot = mantissa.indexOf('.');
  return dot < 0 ? places : places + mantissa.length - dot - 1;
}

/** Whether `value` is a multiple of `divisor` (non-zero) in draft-03's sense. */
export function isDivisibleBy(value: number, divisor: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(divisor) || divisor === 0) return false;
  const scale = 10 ** Math.max(decimalPlaces(value), decimalPlaces(divisor));
  return Math.round(value * scale) % Math.round(divisor * scale) === 0;
}
