import { InvalidArgumentError, Option } from "commander";

/** For repeatable options: `--sink env --sink sqlite:t.db` → ["env", "sqlite:t.db"]. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A duration: plain seconds ("90") or with a unit ("500ms", "90s", "5m"). Returns milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a duration such as 90, 90s, 5m or 500ms.");
  const amount = Number(match[1]);
  const unit = match[2] ?? "s";
  const ms = unit === "ms" ? amount : unit === "s" ? amount * 1000 : amount * 60_000;
  if (ms <= 0) throw new InvalidArgumentError("the duration must be more than zero.");
  return Math.round(ms);
}

/** Milliseconds as a user writes them: 300000 → "5m", 90000 → "90s", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A duration option whose help shows its default as written ("5m"), not in milliseconds. */
export function durationOption(flags: string, description: string, defaultMs: number): Option {
  return new Option(flags, description)
    .argParser(parseDuration)
    .default(defaultMs, formatDuration(defaultMs));
}

export interface ListenAddress {
  host: string;
  port: number;
  path: string;
}

/** `host:port/path`, `:port/path`, `port` or `host:port` (path default /upstox/notifier, host default 127.0.0.1). */
export function parseListenAddress(value: string): ListenAddress {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:/]*):)?(\d{1,5})(\/.*)?$/.exec(value.trim());
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new InvalidArgumentError(
      "expected host:port/path, e.g. 127.0.0.1:8977/upstox/notifier or 0.0.0.0:8977/hook.",
    );
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, "") : "127.0.0.1";
  return { host, port, path: match[3] ?? "/upstox/notifier" };
}

/** An account name as sinks store it: letters, digits, dot, dash, underscore. */
export function parseAccount(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new InvalidArgumentError("use 1-64 letters, digits, '.', '-' or '_'.");
  }
  return value;
}

export function collectAccounts(value: string, previous: string[] | undefined): string[] {
  return collect(parseAccount(value), previous);
}
