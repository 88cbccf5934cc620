/** A matrix over GF(p): `data[r * cols + c]` is the element in row r, column c (row-major). */
export type Matrix = {
  rows: number;
  cols: number;
  data: Uint32Array;
};
