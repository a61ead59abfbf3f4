import {
  deserializeRecord,
  SinkError,
  type SinkWriteResult,
  type StoredRecord,
  serializeRecord,
  type TokenRecord,
  type TokenSink,
} from "@upstox-token/core";
import type { SinkSuiteStore } from "../src/index.js";

/** Ways a sink can be wrong. The self-test proves the suite notices each one. */
export type MemorySinkFault =
  | "ignoresGenerations"
  | "racyReadModifyWrite"
  | "leaksTokenInErrors"
  | "checkAlwaysPasses"
  | "writesAfterClose"
  | "closeThrowsTwice"
  | "oneSlotForAllAccounts"
  | "dropsExtendedToken"
  | "keepsFirstExtendedToken"
  | "readsUnknownAsEmptyRecord";

interface MemoryBackend {
  records: Map<string, StoredRecord>;
  reachable: boolean;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tiny reference sink over a shared Map; with faults switched on, a deliberately broken one. */
export class MemorySink implements TokenSink {
  readonly name = "memory";
  #closed = false;

  constructor(
    private readonly backend: MemoryBackend,
    private readonly faults: ReadonlySet<MemorySinkFault> = new Set(),
  ) {}

  async check(): Promise<void> {
    if (this.#closed) throw new SinkError("SINK_CHECK_FAILED", this.name, "sink is closed");
    if (!this.backend.reachable && !this.faults.has("checkAlwaysPasses")) {
      throw new SinkError("SINK_CHECK_FAILED", this.name, "memory store is unreachable");
    }
  }

  async write(record: TokenRecord): Promise<SinkWriteResult> {
    const leak = this.faults.has("leaksTokenInErrors") ? ` (token ${record.accessToken.reveal()})` : "";
    if (this.#closed && !this.faults.has("writesAfterClose")) {
      throw new SinkError("SINK_FAILED", this.name, `sink is closed${leak}`);
    }
    if (!this.backend.reachable) {
      throw new SinkError("SINK_FAILED", this.name, `memory store is unreachable${leak}`);
    }
    const key = this.#key(record.account);
    const racy = this.faults.has("racyReadModifyWrite");
    const stored = this.backend.records.get(key);
    if (racy) await pause(Math.random() * 3);
    if (stored && stored.generation > record.generation && !this.faults.has("ignoresGenerations")) {
      return { status: "stale", storedGeneration: stored.generation };
    }
    const serialized = serializeRecord(record);
    if (this.faults.has("dropsExtendedToken")) serialized.extended_token = null;
    if (this.faults.has("keepsFirstExtendedToken") && stored?.extended_token) {
      serialized.extended_token = stored.extended_token;
    }
    if (racy) await pause(Math.random() * 3);
    this.backend.records.set(key, serialized);
    return { status: "written" };
  }

  async read(account: string): Promise<TokenRecord | null> {
    if (this.#closed) throw new SinkError("SINK_FAILED", this.name, "sink is closed");
    const stored = this.backend.records.get(this.#key(account));
    if (!stored) {
      if (!this.faults.has("readsUnknownAsEmptyRecord")) return null;
      const [any] = this.backend.records.values();
      return any ? deserializeRecord({ ...any, account }) : null;
    }
    return deserializeRecord(stored);
  }

  async close(): Promise<void> {
    if (this.#closed && this.faults.has("closeThrowsTwice")) throw new Error("already closed");
    this.#closed = true;
  }

  #key(account: string): string {
    return this.faults.has("oneSlotForAllAccounts") ? "*" : account;
  }
}

/** The same memory sink with only `name` and `write`: the smallest sink the contract allows. */
export function writeOnlyStore(): () => Promise<SinkSuiteStore> {
  const full = memoryStore();
  return async () => {
    const store = await full();
    const strip = (sink: TokenSink): TokenSink => ({ name: sink.name, write: (r) => sink.write(r) });
    return {
      open: async () => strip(await store.open()),
      openBroken: async () => strip(await store.openBroken()),
    };
  };
}

export function memoryStore(faults: MemorySinkFault[] = []): () => Promise<SinkSuiteStore> {
  return async () => {
    const backend: MemoryBackend = { records: new Map(), reachable: true };
    const set = new Set(faults);
    return {
      open: async () => new MemorySink(backend, set),
      openBroken: async () => new MemorySink({ records: new Map(), reachable: false }, set),
    };
  };
}
