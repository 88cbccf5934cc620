/** A configuration value is missing or invalid; the message names the option. */
export class ConfigError extends Error {
  readonly code = "ConfigError";
  override readonly name = "ConfigError";
}
