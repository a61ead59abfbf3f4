import { randomUUID } from "node:crypto";
import {
  deserializeRecord,
  type Logger,
  SinkError,
  type SinkWriteResult,
  serializeRecord,
  silentLogger,
  type TokenRecord,
  type TokenSink,
  toIstIso,
} from "@upstox-token/core";
import type { Redis } from "ioredis";
import type { ResolvedRedisSinkOptions } from "./options.js";
import {
  closeRedisClient,
  createRedisClient,
  ensureReady,
  safeRedisError,
  withDeadline,
} from "./redis-connection.js";
import { maskRedisUrl, redisEndpoint } from "./redis-url.js";
import { WRITE_RECORD_LUA } from "./write-script.js";

type SinkErrorCode = "SINK_FAILED" | "SINK_CHECK_FAILED";

/** What the sink publishes on `<prefix>events` when a stored token changes. Never the token itself. */
export interface TokenEvent {
  account: string;
  generation: number;
  /** ISO 8601 in IST, as in the stored record. */
  expires_at: string;
}

/**
 * Stores each account's token as JSON (Upstox field names) under `<prefix><account>`, expiring at the token's
 * `expiresAt`, and tells consumers on `<prefix>events`. Writes are generation-safe in one Lua script. Every
 * call is bounded by the connect and command timeouts and fails with a SinkError; none waits for Redis to
 * come back.
 */
export class RedisTokenSink implements TokenSink {
  readonly name: string;
  readonly #options: ResolvedRedisSinkOptions;
  readonly #client: Redis;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;
  readonly #parsed = new Map<string, { value: string; record: TokenRecord }>();

  constructor(options: ResolvedRedisSinkOptions, dependencies: { logger?: Logger } = {}) {
    this.#options = options;
    this.name = `redis:${maskRedisUrl(options.url)}`;
    this.#logger = dependencies.logger ?? silentLogger;
    this.#client = createRedisClient(options, (error) => {
      this.#logger.debug(
        { sink: this.name, err: safeRedisError(error, options.url).message },
        "redis connection error",
      );
    });
  }

  /** The key a record of `account` is stored under. */
  keyFor(account: string): string {
    return `${this.#options.prefix}${account}`;
  }

  /** The channel change events are published on. */
  get eventsChannel(): string {
    return `${this.#options.prefix}events`;
  }

  async check(): Promise<void> {
    const key = `${this.#options.prefix}check:${randomUUID()}`;
    await this.#run("SINK_CHECK_FAILED", "check (a throwaway SET and DEL)", async (client) => {
      await client.set(key, "1", "PX", 10_000);
      await client.del(key);
    });
  }

  async write(record: TokenRecord): Promise<SinkWriteResult> {
    const stored = serializeRecord(record);
    const event: TokenEvent = {
      account: record.account,
      generation: record.generation,
      expires_at: toIstIso(record.expiresAt),
    };
    const reply = await this.#run("SINK_FAILED", `write for "${record.account}"`, (client) =>
      client.eval(
        WRITE_RECORD_LUA,
        1,
        this.keyFor(record.account),
        JSON.stringify(stored),
        String(record.generation),
        this.#options.expire ? String(Math.floor(record.expiresAt)) : "",
        JSON.stringify(event),
        this.#options.publish ? this.eventsChannel : "",
      ),
    );
    if (!Array.isArray(reply) || typeof reply[0] !== "string") {
      throw new SinkError("SINK_FAILED", this.name, `${this.name}: unexpected reply from the write script`);
    }
    const [status, generation] = reply as [string, number];
    if (status === "stale") return { status: "stale", storedGeneration: Number(generation) };
    return { status: "written" };
  }

  async read(account: string): Promise<TokenRecord | null> {
    const value = await this.#run("SINK_FAILED", `read of "${account}"`, (client) =>
      client.get(this.keyFor(account)),
    );
    if (value === null) return null;
    // Parsed and validated once per stored value: readers ask for the same token thousands of times.
    const cached = this.#parsed.get(account);
    if (cached && cached.value === value) return cached.record;
    try {
      const record = deserializeRecord(JSON.parse(value));
      this.#parsed.set(account, { value, record });
      return record;
    } catch {
      // No cause: a JSON or schema error could quote the value, and the value holds the token.
      throw new SinkError(
        "SINK_FAILED",
        this.name,
        `${this.name}: the value under ${this.keyFor(account)} is not a token record`,
        { hint: "another program writes to this key; give the sink its own prefix" },
      );
    }
  }

  /**
   * The accounts with a token stored under this prefix (SCAN, never KEYS: it does not block Redis). Account names
   * have no ":", so other keys under the prefix (locks, checks) are not taken for accounts.
   */
  async accounts(): Promise<string[]> {
    const prefix = this.#options.prefix;
    const keys = await this.#run("SINK_FAILED", "listing the accounts", async (client) => {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await client.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 500);
        cursor = next;
        found.push(...batch);
      } while (cursor !== "0" && found.length < 10_000);
      return found;
    });
    const names = keys
      .map((key) => key.slice(prefix.length))
      .filter((name) => /^[A-Za-z0-9._-]+$/.test(name));
    return [...new Set(names)].sort();
  }

  async close(): Promise<void> {
    this.#closing ??= closeRedisClient(this.#client, this.#options.commandTimeoutMs);
    return this.#closing;
  }

  /** Connects if needed, runs `operation`, and turns any failure or overrun into a SinkError. */
  async #run<T>(code: SinkErrorCode, what: string, operation: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closing)
      throw new SinkError(code, this.name, `${this.name}: ${what} failed: the sink is closed`);
    const { connectTimeoutMs, commandTimeoutMs, url } = this.#options;
    const budget = connectTimeoutMs + 2 * commandTimeoutMs + 1_000;
    try {
      // Connected: ioredis's own commandTimeout bounds the call (and there is no offline queue to wait in), so
      // the hot path — a consumer reading its token — skips the extra timer.
      if (this.#client.status === "ready") return await operation(this.#client);
      return await withDeadline(
        (async () => {
          await ensureReady(this.#client, connectTimeoutMs);
          return operation(this.#client);
        })(),
        budget,
        `no answer within ${budget} ms`,
      );
    } catch (error) {
      const cause = safeRedisError(error, url);
      throw new SinkError(code, this.name, `${this.name}: ${what} failed: ${cause.message}`, {
        cause,
        hint: `check that Redis at ${redisEndpoint(url)} is up and reachable, and the credentials in the URL`,
        retryable: true,
      });
    }
  }
}

/** A Redis glob pattern that matches `text` literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
