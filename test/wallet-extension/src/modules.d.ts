// readable-stream@3 ships no types (and @types/readable-stream is not installed).
declare module "readable-stream" {
  export function pipeline(...streams: unknown[]): unknown;
}
