import { type DestinationStream, type Logger, pino } from "pino";

/**
 * Paths pino censors wherever they appear in a log line. Request logs never include bodies or
 * headers by default; these catch the cases where an object holding a secret is logged anyway
 * (an error carrying a request, a config object, a SIWE payload).
 */
export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
  "ownerKey",
  "signerKey",
  "privateKey",
  "*.ownerKey",
  "*.signerKey",
  "*.privateKey",
  "token",
  "*.token",
  "signature",
  "*.signature",
  "inviteCode",
  "*.inviteCode",
  "inviteCodes",
  "*.inviteCodes",
];

export function createLogger({ level = "info", destination }: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level,
      name: "pekanu-provider",
      redact: { paths: redactPaths, censor: "[redacted]" },
    },
    destination,
  );
}
