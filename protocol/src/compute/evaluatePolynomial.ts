import { FIELD_PRIME } from "./constants.ts";
import { mulmod } from "./mulmod.ts";

/**
 * The polyEval kernel: y_j = c_0 + c_1·x_j + … + c_{k−1}·x_j^{k−1} mod p for every point x_j
 * (Horner's rule, k − 1 multiplications per point). Coefficients and points are field elements.
 */
export function evaluatePolynomial({ coefficients, points }: { coefficients: Uint32Array; points: Uint32Array }): Uint32Array {
  const out = new Uint32Array(points.length);
  for (let j = 0; j < points.length; j++) {
    const x = points[j]!;
    let acc = 0;
    for (let t = coefficients.length - 1; t >= 0; t--) {
      acc = mulmod(acc, x) + coefficients[t]!;
      if (acc >= FIELD_PRIME) acc -= FIELD_PRIME;
    }
    out[j] = acc;
  }
  return out;
}
