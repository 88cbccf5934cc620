import { encryptStream, type EncryptStreamParameters } from "./encryptStream.ts";
import { concatBytes } from "./concatBytes.ts";

export type EncryptBytesParameters = Omit<EncryptStreamParameters, "source" | "plaintextSize"> & {
  plaintext: Uint8Array;
};

/**
 * The whole ciphertext of a plaintext held in memory (small data: vault exports, tests). Files go
 * through `encryptStream`.
 *
 * @example
 * const ciphertext = await encryptBytes({ key, mode: "private", plaintext })
 */
export async function encryptBytes({ plaintext, ...rest }: EncryptBytesParameters): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of encryptStream({ ...rest, plaintextSize: plaintext.length, source: [plaintext] })) pieces.push(piece);
  return concatBytes(pieces);
}
