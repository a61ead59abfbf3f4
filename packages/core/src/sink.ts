import type { z } from "zod";
import type { Logger } from "./logger.js";
import type { TokenRecord } from "./record.js";

export type SinkWriteResult =
  /** The record is stored. */
  | { status: "written" }
  /** A record of a higher generation is already stored; nothing was changed. */
  | { status: "stale"; storedGeneration: number };

/**
 * The sink contract (after Vault Agent's sinks): put a token somewhere. Only `name` and `write` are required;
 * what else a sink can do is seen from the methods it has (a sink with `read` can serve a stored token without
 * a login). Sinks never call Upstox; retries, fan-out and de-duplication live in the refresh engine, not here.
 */
export interface TokenSink {
  /** A short label for logs and errors, e.g. "env:/srv/app/.env". Must not contain secrets. */
  readonly name: string;
  /** Stores the record unless a higher generation is stored already. Throws SinkError on failure. */
  write(record: TokenRecord): Promise<SinkWriteResult>;
  /** The newest stored record for the account (valid or not), or null. */
  read?(account: string): Promise<TokenRecord | null>;
  /** A start-up check that the target is writable (a throwaway write); throws SinkError if not. */
  check?(): Promise<void>;
  /** The accounts it holds a token for, when it can tell (lets `status` name the one it found instead). */
  accounts?(): Promise<string[]>;
  /** Releases files, connections and timers. Safe to call more than once. */
  close?(): Promise<void>;
}

/** A sink that can read back what it stored. */
export type ReadableSink = TokenSink & { read(account: string): Promise<TokenRecord | null> };

export function isReadableSink(sink: TokenSink): sink is ReadableSink {
  return typeof sink.read === "function";
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
