/**
 * Node globals MetaMask's stream libraries expect (readable-stream@3 uses
 * process.nextTick and Buffer; extension-port-stream uses Buffer.isBuffer).
 * esbuild `inject`s this file into the browser bundles.
 */
import { Buffer } from "buffer";
import process from "process";

export { Buffer, process };
