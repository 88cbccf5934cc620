import { ComputeError } from "./ComputeError.ts";
import { toFieldElement } from "./toFieldElement.ts";
import type { Matrix } from "./types.ts";

/**
 * A matrix from a NumPy `.npy` file (format 1.0–3.0) of integers: dtype `i1`…`i8` or `u1`…`u8`,
 * either byte order, C or Fortran order, 1-D (a 1×n row) or 2-D. Integers are taken mod p.
 *
 * @throws {ComputeError} `InvalidInput` (not .npy, unsupported dtype or shape) .
 */
export function matrixFromNpy(bytes: Uint8Array): Matrix {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new ComputeError("InvalidInput", "not a .npy file");
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new ComputeError("InvalidInput", `unsupported .npy version ${major}`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length) throw new ComputeError("InvalidInput", ".npy header is truncated");
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([<>|=]?)([iu])(\d)'/.exec(header);
  if (descr === null) throw new ComputeError("InvalidInput", `unsupported .npy dtype (need integers): ${header.trim()}`);
  const [, order, kind, widthText] = descr;
  const width = Number(widthText);
  if (![1, 2, 4, 8].includes(width)) throw new ComputeError("InvalidInput", `unsupported integer width ${width}`);
  const little = order !== ">";
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new ComputeError("InvalidInput", ".npy header has no shape");
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.length < 1 || shape.length > 2 || shape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new ComputeError("InvalidInput", `.npy shape (${shapeText}) is not a non-empty vector or matrix`);
  }
  const [rows, cols] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart !== rows * cols * width) throw new ComputeError("InvalidInput", `.npy data has ${bytes.length - dataStart} bytes, the shape needs ${rows * cols * width}`);
  const signed = kind === "i";
  const read = (offset: number): bigint | number => {
    switch (width) {
      case 1:
        return signed ? view.getInt8(offset) : view.getUint8(offset);
      case 2:
        return signed ? view.getInt16(offset, little) : view.getUint16(offset, little);
      case 4:
        return signed ? view.getInt32(offset, little) : view.getUint32(offset, little);
      default:
        return signed ? view.getBigInt64(offset, little) : view.getBigUint64(offset, little);
    }
  };
  const data = new Uint32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const index = fortran ? c * rows + r : r * cols + c;
      data[r * cols + c] = toFieldElement(read(dataStart + index * width));
    }
  }
  return { rows, cols, data };
}
