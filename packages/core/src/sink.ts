import type { z } from "zod";
import type { Logger } from "./logger.js";
import type { TokenRecord } from "./record.js";

/** What a sink can do beyond `write`. The token manager and the daemon branch on these. */
export interface SinkCapabilities {
  /** `read(account)` returns the stored record, so a valid token can be served without a login. */
  read: boolean;
  /** Stored tokens vanish by themselves at `expiresAt`. */
  ttl: boolean;
  /** Consumers are told when the token changes (e.g. Redis PUBLISH). */
  publish: boolean;
}

export type SinkWriteResult =
  /** The record is stored. */
  | { status: "written" }
  /** A record of a higher generation is already stored; nothing was changed. */
  | { status: "stale"; storedGeneration: number };

/**
 * The sink contract (after Vault Agent's sinks): put a token somewhere. Sinks never call Upstox; retries,
 * fan-out and de-duplication live in the token manager, not here.
 */
export interface TokenSink {
  /** A short label for logs and errors, e.g. "env:/srv/app/.env". Must not contain secrets. */
  readonly name: string;
  readonly capabilities: SinkCapabilities;
  /** A start-up check that the target is writable (a throwaway write); throws SinkError if not. */
  check(): Promise<void>;
  /** Stores the record unless a higher generation is stored already. Throws SinkError on failure. */
  write(record: TokenRecord): Promise<SinkWriteResult>;
  /** The newest stored record for the account, or null. Present when `capabilities.read` is true. */
  read?(account: string): Promise<TokenRecord | null>;
  /** The accounts it holds a token for, when it can tell (lets `status` name the one it found instead). */
  accounts?(): Promise<string[]>;
  /** Releases files, connections and timers. Safe to call more than once. */
  close(): Promise<void>;
}

export interface SinkContext {
  /** Relative paths in options resolve against this folder (the config file's folder). Default: cwd. */
  baseDir: string;
  logger: Logger;
}

/** A typed sink factory: its options schema (zod) is validated at the edge, then `create` trusts it. */
export interface SinkFactory<Schema extends z.ZodType = z.ZodType> {
  /** The built-in or package name, e.g. "env". */
  readonly kind: string;
  readonly optionsSchema: Schema;
  /** Turns the CLI shorthand after the colon (`sqlite:tokens.db` → "tokens.db") into options. */
  fromShorthand?(argument: string): z.input<Schema>;
  create(options: z.output<Schema>, context: SinkContext): TokenSink | Promise<TokenSink>;
}

export function defineSink<Schema extends z.ZodType>(factory: SinkFactory<Schema>): SinkFactory<Schema> {
  return factory;
}
