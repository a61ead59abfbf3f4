import { createRequire } from "node:module";
import type { SecretRedactor } from "@upstox-token/core";
import { formatIst } from "@upstox-token/core";
import pino, { type Logger as PinoLogger } from "pino";
import { daemonRedactor } from "./secret-scrub.js";

/** pino-pretty's stream factory. */
type PinoPretty = typeof import("pino-pretty");

/**
 * pino-pretty is loaded only for pretty logs: a daemon under systemd or in a container logs JSON and never
 * needs it (it brings colorette, dateformat, fast-copy and more).
 */
let prettyStream: PinoPretty | undefined;

/** Loads pino-pretty ahead of a pretty `createLogger` (the only way a compiled binary can load it). */
export async function loadPrettyLogs(): Promise<void> {
  prettyStream ??= (await import("pino-pretty")).default;
}

/** Whether `createLogger` makes pretty logs for this `pretty` option and destination. */
export function wantsPrettyLogs(
  pretty: boolean | undefined,
  destination: CreateLoggerOptions["destination"] = 2,
): boolean {
  return pretty ?? (typeof destination === "number" && process.stderr.isTTY === true);
}

function prettyFactory(): PinoPretty {
  // Not loaded ahead (a program calling createLogger itself): load it now, synchronously.
  prettyStream ??= createRequire(import.meta.url)("pino-pretty") as PinoPretty;
  return prettyStream;
}

/**
 * Field names whose values are never logged, wherever they appear (two levels deep). The daemon never passes a
 * secret to the logger in the first place; this is the second line of defence.
 */
export const REDACTED_PATHS = [
  "pin",
  "totpSecret",
  "clientSecret",
  "accessToken",
  "access_token",
  "extendedToken",
  "extended_token",
  "token",
  "password",
  "authorization",
  "cookie",
  "credentials",
  "secret",
].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface CreateLoggerOptions {
  /** Human-readable lines instead of JSON; default: when stderr is a TTY. */
  pretty?: boolean;
  level?: string;
  /** Where logs go; default stderr (fd 2), so stdout stays for --dry-run's report. */
  destination?: number | NodeJS.WritableStream;
  /** Masks these secrets in every line written (upstream text may echo them); default the daemon's own. */
  redactor?: SecretRedactor;
}

export type DaemonLogger = PinoLogger;

/** pino's ISO time, in IST; anything unparsable as it came (a prettifier must never throw: the line is lost). */
function prettyTime(iso: string): string {
  const ms = Date.parse(iso);
  return `[${Number.isNaN(ms) ? iso : formatIst(ms)}]`;
}

/** pino, JSON by default, redacted, synchronous (nothing is lost when the process exits). */
export function createLogger(options: CreateLoggerOptions = {}): DaemonLogger {
  const level = options.level ?? process.env.UPSTOX_TOKEN_LOG_LEVEL ?? "info";
  const redactor = options.redactor ?? daemonRedactor;
  const base = {
    level,
    base: { name: "upstox-token-daemon", pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: "***" },
    // Field names cannot catch a secret inside a message (an Upstox error echoing the PIN): scrub each line.
    hooks: { streamWrite: (line: string) => redactor.redact(line) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = options.destination ?? 2;
  if (wantsPrettyLogs(options.pretty, destination)) {
    const pretty = prettyFactory();
    return pino(
      base,
      pretty({
        colorize: process.stderr.isTTY === true,
        // IST, zone named, as the CLI and --dry-run print times: 03:30 IST is the moment that matters here.
        translateTime: false,
        customPrettifiers: { time: (time: string | object) => prettyTime(String(time)) },
        ignore: "pid,hostname,name",
        sync: true,
        destination: typeof destination === "number" ? destination : (destination as NodeJS.WritableStream),
      }),
    );
  }
  return pino(
    base,
    typeof destination === "number" ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}
