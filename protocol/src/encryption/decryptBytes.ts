import { concatBytes } from "./concatBytes.ts";
import { decryptStream, type DecryptStreamParameters } from "./decryptStream.ts";

export type DecryptBytesParameters = Omit<DecryptStreamParameters, "source"> & {
  ciphertext: Uint8Array;
};

/**
 * The whole plaintext of a ciphertext held in memory (small data: vault exports, tests). Files go
 * through `decryptStream`.
 *
 * @throws {EncryptionError} as `decryptStream`.
 * @example
 * const plaintext = await decryptBytes({ key, ciphertext })
 */
export async function decryptBytes({ ciphertext, ...rest }: DecryptBytesParameters): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of decryptStream({ ...rest, source: [ciphertext] })) pieces.push(piece);
  return concatBytes(pieces);
}
