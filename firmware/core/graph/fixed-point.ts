// Fixed-point arithmetic of TensorFlow Lite's int8 kernels (gemmlowp + quantization_util),
// exact in JavaScript without BigInt: every 64-bit product is split into 16-bit halves whose
// partial products are exact doubles, and the low bits come from int32 operations.
//
// These functions are used at load time and by the less hot kernels (ADD, SOFTMAX); the conv
// and dense inner loops inline the same arithmetic (see requantize below for the recipe).

const TWO_POW_31 = 2147483648;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * gemmlowp SaturatingRoundingDoublingHighMul(a, b) for int32 a, b:
 * (a*b + nudge) / 2^31 truncated toward zero, nudge = 2^30 when a*b >= 0 else 1 - 2^30;
 * INT32_MAX when a == b == INT32_MIN.
 *
 * With b = bh*2^16 + bl (bl in [0, 65535]): X = a*bh and Y = a*bl + nudge are exact doubles
 * (< 2^47). T = X*2^16 + Y. r = T mod 2^31 comes from int32 bit operations (ToInt32 is exact
 * modulo 2^32 on integral doubles); floor(T / 2^31) = X/2^15 + (Y - r)/2^31 is an integer of
 * magnitude <= 2^31, and each of its two terms is exact, so their (correctly rounded) sum is it.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bl = b & 0xffff;
  const bh = b >> 16;
  const negative = (a < 0) !== (b < 0) && a !== 0 && b !== 0;
  const X = a * bh;
  const Y = a * bl + (negative ? -1073741823 : 1073741824);
  const r = ((((X & 0x7fff) << 16) + Y) & 0x7fffffff);
  let q = X / 32768 + (Y - r) / TWO_POW_31;
  if (negative && r !== 0) q += 1;
  return q | 0;
}

/**
 * gemmlowp RoundingDivideByPOT(x, exponent), exponent in [0, 31]: x / 2^exponent rounded to
 * nearest, ties away from zero.
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite MultiplyByQuantizedMultiplier (double rounding):
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^max(shift,0), m), max(-shift,0)).
 * The left shift wraps like int32 arithmetic. shift must be in [-31, 30].
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x << left, multiplier), right);
}

/**
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(a, m), e) for a multiplier m >= 0, with
 * `inv` = 2^-e: the general (slow) path of the kernels' inlined requantization.
 *
 * The kernels' fast path, for |a| < 2^21: a*m + nudge is below 2^53, so
 * ((a*m + nudge) / 2^31) | 0 is the exact truncated quotient; and for any int32 s,
 * s * 2^-e +- 0.5 is exact, so truncating it rounds s / 2^e half away from zero, which is what
 * RoundingDivideByPOT computes.
 */
export function requantizeSlow(a: number, m: number, inv: number): number {
  const s = saturatingRoundingDoublingHighMul(a, m);
  return s < 0 ? (s * inv - 0.5) | 0 : (s * inv + 0.5) | 0;
}

/** Result holder for quantizeMultiplier, to avoid returning fresh arrays. */
export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

/**
 * TFLite QuantizeMultiplier(double): multiplier = round(q * 2^31) with q = frexp(x), shift = the
 * frexp exponent; q_fixed == 2^31 becomes 2^30 with shift + 1; a shift below -31 gives (0, 0).
 * x must be finite and >= 0.
 */
export function quantizeMultiplier(x: number, out: QuantizedMultiplier): QuantizedMultiplier {
  if (x === 0) {
    out.multiplier = 0;
    out.shift = 0;
    return out;
  }
  // q = frexp(x) in [0.5, 1), x = q * 2^shift; halving and doubling normal numbers is exact
  let shift = 0;
  let q = x;
  while (q >= 1) { q /= 2; shift++; }
  while (q < 0.5) { q *= 2; shift--; }
  let qFixed = Math.round(q * TWO_POW_31); // q > 0: Math.round is round half away from zero
  if (qFixed === TWO_POW_31) {
    qFixed = TWO_POW_31 / 2;
    shift++;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  out.multiplier = qFixed;
  out.shift = shift;
  return out;
}

// ---- gemmlowp fixed-point helpers used by int8 SOFTMAX -------------------------------------

/** SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0: saturating left shift. */
export function saturatingShiftLeft(x: number, exponent: number): number {
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x << exponent;
}

/** exp(a) for a in [-1/4, 0), a and result in Q0.31. */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8)
  const constant1Over3 = 715827883;
  const x = (a + (1 << 28)) | 0; // a + 1/8
  const x2 = saturatingRoundingDoublingHighMul(x, x);
  const x3 = saturatingRoundingDoublingHighMul(x2, x);
  const x4 = saturatingRoundingDoublingHighMul(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT(
    (saturatingRoundingDoublingHighMul((x4Over4 + x3) | 0, constant1Over3) + x2) | 0, 1);
  return (constantTerm + saturatingRoundingDoublingHighMul(constantTerm, (x + poly) | 0)) | 0;
}

/**
 * gemmlowp exp_on_negative_values for a Q5.26 input a <= 0 (kIntegerBits = 5); result Q0.31.
 */
export function expOnNegativeValuesQ5(a: number): number {
  const kOneQuarter = 1 << 24;
  const mask = kOneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - kOneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
    saturatingShiftLeft(aModQuarterMinusOneQuarter, 5));
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  if (remainder & (1 << 24)) result = saturatingRoundingDoublingHighMul(result, 1672461947);
  if (remainder & (1 << 25)) result = saturatingRoundingDoublingHighMul(result, 1302514674);
  if (remainder & (1 << 26)) result = saturatingRoundingDoublingHighMul(result, 790015084);
  if (remainder & (1 << 27)) result = saturatingRoundingDoublingHighMul(result, 290630308);
  if (remainder & (1 << 28)) result = saturatingRoundingDoublingHighMul(result, 39332535);
  if (remainder & (1 << 29)) result = saturatingRoundingDoublingHighMul(result, 720401);
  if (remainder & (1 << 30)) result = saturatingRoundingDoublingHighMul(result, 242);
  if (a === 0) result = INT32_MAX;
  return result;
}

/** gemmlowp RoundingHalfSum for int32: (a + b + sign) / 2, truncated. */
function roundingHalfSum(a: number, b: number): number {
  const sum = a + b; // exact double
  const t = (sum + (sum >= 0 ? 1 : -1)) / 2;
  return t < 0 ? Math.ceil(t) : Math.floor(t);
}

/** 1 / (1 + a) for a in [0, 1), input Q0.31, result Q0.31 (Newton-Raphson, gemmlowp). */
export function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const constant48Over17 = 1515870810;     // Q2.29
  const constantNeg32Over17 = -1010580540; // Q2.29
  let x = (constant48Over17 + saturatingRoundingDoublingHighMul(halfDenominator, constantNeg32Over17)) | 0;
  const oneQ2 = 1 << 29;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = saturatingRoundingDoublingHighMul(halfDenominator, x);
    const oneMinus = (oneQ2 - halfDenominatorTimesX) | 0;
    x = (x + saturatingShiftLeft(saturatingRoundingDoublingHighMul(x, oneMinus), 2)) | 0;
  }
  return saturatingShiftLeft(x, 1);
}

/**
 * TFLite GetReciprocal(x, xIntegerDigits): returns the Q0.31 scale and stores the number of bits
 * over unit in out.shift (out.multiplier receives the scale too).
 */
export function getReciprocal(x: number, xIntegerDigits: number, out: QuantizedMultiplier): QuantizedMultiplier {
  const headroomPlusOne = Math.clz32(x);
  out.shift = xIntegerDigits - headroomPlusOne;
  const shiftedSumMinusOne = ((x << headroomPlusOne) - INT32_MIN) | 0; // (u32)x << h  -  2^31
  out.multiplier = oneOverOnePlusXForXIn01(shiftedSumMinusOne);
  return out;
}
