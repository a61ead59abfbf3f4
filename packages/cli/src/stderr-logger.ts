import type { Logger } from "@upstox-token/core";
import type { Output } from "./output.js";

/**
 * The core Logger, printed for a person on stderr. Debug lines only with --debug. Core never passes raw secrets
 * to a logger (URLs come redacted), so fields are printed as they are.
 */
export function stderrLogger(out: Output, options: { debug: boolean }): Logger {
  const style = out.errStyle;
  const format = (fields: Record<string, unknown>, message: string | undefined): string => {
    if (message === "http" || message === "http request failed") {
      const status = fields.status === undefined ? String(fields.error ?? "failed") : String(fields.status);
      return `${fields.method} ${fields.url} → ${status} ${fields.durationMs} ms (${fields.step})`;
    }
    const extra = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(" ");
    return [message, extra].filter(Boolean).join(" ");
  };
  return {
    debug: (fields, message) => {
      if (options.debug) out.note(`${style.dim("debug")} ${format(fields, message)}`);
    },
    info: (fields, message) => {
      if (options.debug) out.note(`${style.cyan("info")} ${format(fields, message)}`);
    },
    warn: (fields, message) => out.warn(format(fields, message)),
    error: (fields, message) => out.note(`${style.red("error")} ${format(fields, message)}`),
  };
}
