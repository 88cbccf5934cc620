// `node provider-server/src/main.ts`: reads the configuration from flags and the environment,
// starts the server, and shuts down gracefully on SIGINT/SIGTERM (in-flight requests finish, the
// follower and task runner stop between steps, the database is closed). Run directly, it first
// re-executes Node with memory settings (tuneMemory.ts); the server's modules are loaded
// only after that, by `serve`.
import { ConfigError } from "./ConfigError.ts";
import { tuneMemory } from "./tuneMemory.ts";

export async function serve({ argv = process.argv.slice(2), env = process.env }: { argv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  const [{ createProviderServer }, { loadConfig, parseFlags }, { createLogger }] = await Promise.all([
    import("./app.ts"),
    import("./config.ts"),
    import("./createLogger.ts"),
  ]);
  const { flags } = parseFlags(argv);
  const config = loadConfig({ env, flags });
  const logger = createLogger({ level: config.logLevel });
  const server = await createProviderServer({ config, logger });
  await server.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn("second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  tuneMemory();
  serve().catch((error) => {
    console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
    process.exit(1);
  });
}
