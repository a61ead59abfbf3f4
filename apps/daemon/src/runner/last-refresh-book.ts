import {
  type LastRefresh,
  type Logger,
  type RefreshCause,
  type RefreshOutcome,
  readLastRefresh,
  type SinkState,
  stateLayout,
  userKey,
  writeLastRefresh,
} from "@upstox-token/core";
import type { ResolvedAccount } from "../config/resolve-config.js";
import type { DaemonEvents } from "../observe/event-bus.js";
import type { CycleReason } from "./account-result.js";

/** The cause the status page shows, for the reason the runner started a cycle. */
export function causeOf(reason: CycleReason): RefreshCause {
  switch (reason) {
    case "catch-up":
      return "start-up";
    case "scheduled":
      return "schedule";
    case "watchdog":
      return "watchdog";
    default:
      return "manual";
  }
}

/**
 * Each account's last refresh, kept in memory for the status page and in the state folder
 * (`users/<userKey>/last-refresh.json`) so a restart shows it too. Written on every stored or served result;
 * a failed write is logged and never fails a refresh.
 */
export class LastRefreshBook {
  readonly #stateDir: string;
  readonly #logger: Logger;
  readonly #byAccount = new Map<string, LastRefresh>();
  /** Sinks that failed in the cycle running now, per account. */
  readonly #cycleFailures = new Map<string, Map<string, SinkState>>();
  #writes: Promise<void> = Promise.resolve();

  constructor(stateDir: string, events: DaemonEvents, logger: Logger) {
    this.#stateDir = stateDir;
    this.#logger = logger;
    events.on((event) => {
      if (event.type === "sink-failed") {
        const failures = this.#cycleFailures.get(event.account) ?? new Map<string, SinkState>();
        failures.set(event.sink, { state: "failed", at: event.at, error: event.error.message });
        this.#cycleFailures.set(event.account, failures);
      }
    });
  }

  fileOf(account: ResolvedAccount): string {
    const key = userKey({ mobile: account.upstox.mobile, clientId: account.upstox.clientId ?? "" });
    return stateLayout.lastRefresh(this.#stateDir, key);
  }

  /** Reads the files of accounts not known yet (at start and after a reload). */
  async load(accounts: ResolvedAccount[]): Promise<void> {
    await Promise.all(
      accounts
        .filter((account) => !this.#byAccount.has(account.name))
        .map(async (account) => {
          const saved = await readLastRefresh(this.fileOf(account));
          if (saved) this.#byAccount.set(account.name, saved);
        }),
    );
  }

  /** A cycle starts: sink failures seen from now on are this cycle's. */
  startCycle(account: string): void {
    this.#cycleFailures.set(account, new Map());
  }

  get(account: string): LastRefresh | null {
    return this.#byAccount.get(account) ?? null;
  }

  /**
   * Records a stored or served result: in memory at once (the page's next render), on disk in order. Any other
   * outcome leaves the last refresh as it was.
   */
  record(
    account: ResolvedAccount,
    outcome: RefreshOutcome,
    reason: CycleReason,
    configured: readonly { name: string }[],
    now: number,
  ): void {
    if (outcome.result !== "served" && outcome.result !== "refreshed") return;
    const sinkNames = configured.map((sink) => sink.name);
    const previous = this.#byAccount.get(account.name);
    const record = outcome.record;
    const failures = this.#cycleFailures.get(account.name) ?? new Map<string, SinkState>();
    if (outcome.result === "refreshed") {
      for (const sink of outcome.sinks) {
        if (!sink.ok) failures.set(sink.sink, { state: "failed", at: now, error: sink.error.message });
      }
    }
    const sinks: Record<string, SinkState> = {};
    for (const name of sinkNames) sinks[name] = failures.get(name) ?? { state: "ok", at: now, error: null };
    const stored = outcome.result === "refreshed";
    // A served token keeps the story of the refresh that stored it, when this book saw that refresh.
    const same = previous !== undefined && previous.issuedAt === record.issuedAt;
    let entry: LastRefresh = {
      version: 1,
      account: account.name,
      refreshedAt: stored ? now : same ? previous.refreshedAt : record.issuedAt,
      cause: stored ? causeOf(reason) : same ? previous.cause : "unknown",
      loggedIn: stored ? outcome.loggedIn : same ? previous.loggedIn : null,
      attempts: stored ? Math.max(1, outcome.attempts) : same ? previous.attempts : null,
      issuedAt: record.issuedAt,
      expiresAt: record.expiresAt,
      checkedAt: now,
      sinks,
      ...(same && previous.note !== undefined ? { note: previous.note } : {}),
    };
    this.#byAccount.set(account.name, entry);
    const file = this.fileOf(account);
    // A token served that this book did not see stored: the state folder may know its story (the CLI records
    // the tokens it stores, cause "manual"); else it stays "unknown".
    const ask = !stored && (!same || previous.cause === "unknown");
    this.#writes = this.#writes
      .then(async () => {
        const known = ask ? await readLastRefresh(file) : null;
        if (known && known.issuedAt === record.issuedAt && known.cause !== "unknown") {
          const told: LastRefresh = {
            ...entry,
            refreshedAt: known.refreshedAt,
            cause: known.cause,
            loggedIn: known.loggedIn,
            attempts: known.attempts,
            ...(known.note !== undefined ? { note: known.note } : {}),
          };
          if (this.#byAccount.get(account.name) === entry) this.#byAccount.set(account.name, told);
          entry = told;
        }
        await writeLastRefresh(file, entry);
      })
      .catch((error: unknown) =>
        this.#logger.warn(
          { account: account.name, file, err: error instanceof Error ? error.message : String(error) },
          "could not save the last refresh in the state folder (the status page forgets it at restart)",
        ),
      );
  }

  /** Resolves once every write so far is on disk (stop, tests). */
  flushed(): Promise<void> {
    return this.#writes;
  }
}
