// The server's memory footprint is set mostly by runtime defaults, not by its own data (~35 MB of
// live objects): V8 sizes its young generation from the machine's memory (64 MB on a 24 GB host,
// filled by module loading alone) and, with a large heap limit, lets the old generation grow to
// up to 4× its live size between collections; glibc keeps memory freed by the ~64 KiB socket
// buffers of an upload instead of returning it. Measured with `npm run bench:server` on a 2-core,
// 24 GB VM: ~230 MB RSS idle and ~350 MB during a 1 GiB upload with the defaults; ~130 MB idle
// and under 190 MB during the upload with the settings below, with less CPU per uploaded byte
// (smaller young generation, fewer socket buffers waiting for a collection). V8 reads these flags
// only at start-up, so the entry points re-execute Node with them, in place (process.execve: same
// pid, same stdio). Free of imports: it runs before anything else is loaded.

/** V8 flags the server runs with, unless the operator set the same flag. */
export const TUNED_NODE_FLAGS: readonly string[] = [
  // Young generation of 2 × 2 MB: the server's garbage is short-lived (request objects, socket
  // buffers, hash strings), and each scavenge also frees the upload's dead socket buffers.
  "--max-semi-space-size=2",
  // The old generation is collected once it has grown by half (not up to 4×), without the hard
  // limit --max-old-space-size would add.
  "--heap-growing-percent=50",
];

/** glibc malloc: a fixed trim threshold (the dynamic one grows and keeps freed memory mapped). */
const TUNED_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: "131072" };

const flagName = (flag: string) => flag.split("=")[0]!.replaceAll("_", "-");

/**
 * Replaces the current process with `node <tuned flags> <same flags and arguments>` (and the
 * malloc setting in its environment) when something is missing and `process.execve` exists
 * (POSIX, Node ≥ 23.11). Flags or variables the operator gave (command line, NODE_OPTIONS,
 * environment) are kept as they are. Returns normally when nothing is to be done or re-executing
 * is not possible; PEKANU_NO_MEMORY_TUNING=1 keeps the runtime's defaults.
 */
export function tuneMemory(): void {
  const env = process.env;
  if (env.PEKANU_NO_MEMORY_TUNING === "1" || env.PEKANU_MEMORY_TUNED === "1") return;
  if (typeof process.execve !== "function" || process.argv[1] === undefined) return;
  const given = new Set([...process.execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)].filter(Boolean).map(flagName));
  const flags = TUNED_NODE_FLAGS.filter((flag) => !given.has(flagName(flag)));
  const malloc = Object.keys(env).some((name) => name.startsWith("MALLOC_")) || process.platform !== "linux" ? {} : TUNED_ENV;
  if (flags.length === 0 && Object.keys(malloc).length === 0) return;
  try {
    process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], {
      ...env,
      ...malloc,
      PEKANU_MEMORY_TUNED: "1",
    });
  } catch {
    // Not possible here: run with the runtime's defaults.
  }
}
