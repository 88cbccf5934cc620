// `node provider-server/src/main.ts`: reads the configuration from flags and the environment,
// starts the server, and shuts down gracefully on SIGINT/SIGTERM (in-flight requests finish, the
// follower and task runner stop between steps, the database is closed).
import { createProviderServer } from "./app.ts";
import { ConfigError } from "./ConfigError.ts";
import { loadConfig, parseFlags } from "./config.ts";
import { createLogger } from "./createLogger.ts";

export async function serve({ argv = process.argv.slice(2), env = process.env }: { argv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
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
  serve().catch((error) => {
    console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
    process.exit(1);
  });
}
