import { SinkError, type TokenRecord, type TokenSink } from "../src/index.js";

/** A test double for storage (the manager's logic is under test, not a backend). Can be told to fail. */
export class MemorySink implements TokenSink {
  readonly records = new Map<string, TokenRecord>();
  writes = 0;
  failNextWrites = 0;
  constructor(readonly name = "memory") {}
  async check(): Promise<void> {}
  async write(record: TokenRecord) {
    this.writes++;
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      throw new SinkError("SINK_FAILED", this.name, `${this.name} is down`);
    }
    const stored = this.records.get(record.account);
    if (stored && stored.generation > record.generation) {
      return { status: "stale" as const, storedGeneration: stored.generation };
    }
    this.records.set(record.account, record);
    return { status: "written" as const };
  }
  async read(account: string) {
    return this.records.get(account) ?? null;
  }
  async close(): Promise<void> {}
}
