/**
 * The logging surface core needs. pino loggers satisfy it as they are; so does a console adapter.
 * Callers pass structured fields first and a message second, pino-style. Never pass a raw secret.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
