#!/usr/bin/env node
// pekanu: file commitments (RFC 6962 Merkle root over 1024-byte chunks), chunk inclusion proofs and
// client-side encryption (docs/encryption.md).
// Plain JavaScript that imports the TypeScript sources through Node's built-in type stripping (Node ≥ 22.18 / 23.6).
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  chunkCount,
  decryptFile,
  encryptFile,
  EncryptionError,
  fileCommitment,
  leafHash,
  MerkleError,
  proveFileChunk,
} from "../src/node/index.ts";
import { ComputeError } from "../src/compute/ComputeError.ts";
import { MatrixUsageError, runMatrixCommand } from "../src/node/runMatrixCommand.ts";
import { JobUsageError, runJobCommand } from "../src/node/runJobCommand.ts";

const USAGE = `Usage:
  pekanu root FILE [--json]         file root (commitment), size and chunk count
  pekanu prove FILE INDEX [--json]  chunk INDEX (0-based) of FILE and its inclusion proof
  pekanu encrypt FILE OUT --key HEX [--json]   encrypt FILE (private mode, 32-byte key) into OUT
  pekanu encrypt FILE OUT --convergent [--json]
                                    encrypt FILE with the key derived from its content (convergent
                                    mode: identical files give identical ciphertexts); prints the key
  pekanu decrypt FILE OUT --key HEX [--json]   decrypt FILE into OUT, verifying every segment
  pekanu matrix …                   matrices for compute jobs (pekanu matrix --help)
  pekanu job …                      run a compute job with a provider by hand (pekanu job --help)
  pekanu --help

encrypt and decrypt print the root of the ciphertext (what a receipt's fileRoot names). OUT is
written to a temporary file and appears only when complete and, for decrypt, fully verified.

The file root is the RFC 6962 Merkle Tree Hash over the file's 1024-byte chunks (an empty file is
one empty chunk); proofs are RFC 9162 audit paths, from the leaf level upward.

Exit status: 0 ok, 1 file error (missing, unreadable, wrong key, damaged ciphertext), 2 usage error (bad arguments, index out of range).`;

class UsageError extends Error {}

function fail(code, message) {
  process.stderr.write(`pekanu: ${message}\n`);
  if (code === 2) process.stderr.write("Try 'pekanu --help'.\n");
  process.exit(code);
}

function fileErrorMessage(error, path) {
  switch (error?.code) {
    case "ENOENT":
      return `${path}: no such file`;
    case "EISDIR":
      return `${path}: is a directory`;
    case "EACCES":
    case "EPERM":
      return `${path}: permission denied`;
    default:
      return `${path}: ${error?.message ?? String(error)}`;
  }
}

function parseKey(text) {
  const hex = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError("--key must be 32 bytes of hex (64 hex digits, 0x optional)");
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** The FILE argument, for error messages. */
let currentFile = "file";

async function main(argv) {
  if (argv[0] === "job") {
    await runJobCommand({ argv: argv.slice(1), out: (text) => process.stdout.write(text) });
    return;
  }
  if (argv[0] === "matrix") {
    await runMatrixCommand({ argv: argv.slice(1), out: (text) => process.stdout.write(text) });
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        key: { type: "string" },
        convergent: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, file, indexArg, ...extra] = positionals;
  if (file !== undefined) currentFile = file;
  const print = (object, lines) => process.stdout.write(values.json ? `${JSON.stringify(object, null, 2)}\n` : `${lines.join("\n")}\n`);

  if (command === "root") {
    if (file === undefined) throw new UsageError("root: missing FILE");
    if (indexArg !== undefined) throw new UsageError(`root: unexpected argument '${indexArg}'`);
    const { root, size, chunks } = await fileCommitment({ path: file });
    print({ file, root, size, chunks }, [`root    ${root}`, `size    ${size}`, `chunks  ${chunks}`]);
    return;
  }
  if (command === "prove") {
    if (file === undefined) throw new UsageError("prove: missing FILE");
    if (indexArg === undefined) throw new UsageError("prove: missing INDEX");
    if (extra.length > 0) throw new UsageError(`prove: unexpected argument '${extra[0]}'`);
    if (!/^\d+$/.test(indexArg) || !Number.isSafeInteger(Number(indexArg))) {
      throw new UsageError(`prove: INDEX must be a non-negative integer, got '${indexArg}'`);
    }
    const index = Number(indexArg);
    let result;
    try {
      result = await proveFileChunk({ path: file, index });
    } catch (error) {
      if (error instanceof MerkleError && error.code === "ChunkIndexOutOfRange") {
        const chunks = chunkCount((await stat(file)).size);
        throw new UsageError(`prove: INDEX ${index} out of range: ${file} has ${chunks} chunk${chunks === 1 ? "" : "s"} (0..${chunks - 1})`);
      }
      throw error;
    }
    const { chunk, proof, root, size, chunks } = result;
    const leaf = leafHash(chunk);
    print(
      { file, root, size, chunks, index, chunkLength: chunk.length, leafHash: leaf, proof, chunk: `0x${Buffer.from(chunk).toString("hex")}` },
      [
        `root    ${root}`,
        `size    ${size}`,
        `chunks  ${chunks}`,
        `index   ${index} (${chunk.length} bytes)`,
        `leaf    ${leaf}`,
        `proof   ${proof.length} hash${proof.length === 1 ? "" : "es"}, leaf level first`,
        ...proof.map((p) => `  ${p}`),
      ],
    );
    return;
  }
  if (command === "encrypt" || command === "decrypt") {
    const out = indexArg;
    if (file === undefined) throw new UsageError(`${command}: missing FILE`);
    if (out === undefined) throw new UsageError(`${command}: missing OUT`);
    if (extra.length > 0) throw new UsageError(`${command}: unexpected argument '${extra[0]}'`);
    const convergent = command === "encrypt" && values.convergent === true;
    if (command === "decrypt" && values.convergent) throw new UsageError("decrypt: --convergent is for encrypt (decrypt takes the key it printed)");
    if (convergent && values.key !== undefined) throw new UsageError("encrypt: give either --key or --convergent, not both");
    if (!convergent && values.key === undefined) throw new UsageError(`${command}: missing --key HEX${command === "encrypt" ? " (or --convergent)" : ""}`);
    const key = convergent ? undefined : parseKey(values.key);
    if (command === "encrypt") {
      const result = await encryptFile({ path: file, out, key, mode: convergent ? "convergent" : "private" });
      print(
        { file, out, mode: result.mode, root: result.root, size: result.size, chunks: result.chunks, plaintextSize: result.plaintextSize, ...(convergent ? { key: result.key } : {}) },
        [
          `root       ${result.root}`,
          `size       ${result.size}`,
          `chunks     ${result.chunks}`,
          `plaintext  ${result.plaintextSize} bytes`,
          `mode       ${result.mode}`,
          ...(convergent ? [`key        ${result.key}`] : []),
        ],
      );
      return;
    }
    const result = await decryptFile({ path: file, out, key });
    print(
      { file, out, mode: result.header.mode, root: result.root, size: result.size, chunks: result.chunks, plaintextSize: result.header.plaintextSize },
      [
        `root       ${result.root}`,
        `size       ${result.size}`,
        `chunks     ${result.chunks}`,
        `plaintext  ${result.header.plaintextSize} bytes`,
        `mode       ${result.header.mode}`,
      ],
    );
    return;
  }
  if (command === undefined) throw new UsageError("missing command");
  throw new UsageError(`unknown command '${command}'`);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof MatrixUsageError || error instanceof JobUsageError) fail(2, error.message);
  if (error instanceof ComputeError) fail(1, `${error.code}: ${error.message}`);
  if (error instanceof MerkleError) fail(1, `${error.code}: ${error.message}`);
  if (error instanceof EncryptionError) fail(1, `${error.code}: ${error.message}`);
  if (typeof error?.code === "string" && typeof error?.syscall === "string") fail(1, fileErrorMessage(error, currentFile));
  fail(1, error?.stack ?? String(error));
}
