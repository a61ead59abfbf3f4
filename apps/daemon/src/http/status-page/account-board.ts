import type { DaemonEvent, DaemonEvents } from "../../observe/event-bus.js";

/** What the status page shows beyond AccountStatus, learned from the daemon's events. Never holds a token. */
export interface AccountActivity {
  refreshing: boolean;
  attempt: number;
  /** The last cycle ended in an error nobody can fix by retrying (the account is suspended). */
  needsAttention: boolean;
  /** The last cycle ended in failure (cleared by the next success). */
  failed: boolean;
  lastSuccess: {
    at: number;
    attempts: number;
    loggedIn: boolean;
    userId: string;
    userName: string | null;
  } | null;
  sinks: Map<string, { ok: boolean; at: number; error: string | null }>;
}

export class AccountBoard {
  readonly #accounts = new Map<string, AccountActivity>();
  readonly #cycleSinkFailures = new Map<string, Set<string>>();
  readonly #sinkNames: (account: string) => string[];
  readonly #changed = new Set<(account: string) => void>();
  readonly #unsubscribe: () => void;

  constructor(events: DaemonEvents, sinkNames: (account: string) => string[]) {
    this.#sinkNames = sinkNames;
    this.#unsubscribe = events.on((event) => this.#apply(event));
  }

  /** Called after every change, with the account it concerns (the page's live updates). */
  onChange(listener: (account: string) => void): () => void {
    this.#changed.add(listener);
    return () => this.#changed.delete(listener);
  }

  get(account: string): AccountActivity {
    let activity = this.#accounts.get(account);
    if (!activity) {
      activity = {
        refreshing: false,
        attempt: 0,
        needsAttention: false,
        failed: false,
        lastSuccess: null,
        sinks: new Map(),
      };
      this.#accounts.set(account, activity);
    }
    return activity;
  }

  sinkNames(account: string): string[] {
    try {
      return this.#sinkNames(account);
    } catch {
      return [];
    }
  }

  #apply(event: DaemonEvent): void {
    const activity = this.get(event.account);
    switch (event.type) {
      case "refreshing":
        activity.refreshing = true;
        activity.attempt = event.attempt;
        if (event.attempt === 1) this.#cycleSinkFailures.set(event.account, new Set());
        break;
      case "retrying":
        activity.refreshing = true;
        break;
      case "failed":
      case "rate-limited":
        activity.refreshing = false;
        activity.failed = true;
        // The engine says whether only a person can fix it (no copied list of codes here).
        activity.needsAttention = event.type === "failed" && event.permanent;
        break;
      case "stored": {
        activity.refreshing = false;
        activity.failed = false;
        activity.needsAttention = false;
        activity.lastSuccess = {
          at: event.at,
          attempts: Math.max(1, event.attempts),
          loggedIn: event.loggedIn,
          userId: event.record.profile.userId,
          userName: event.record.profile.userName ?? null,
        };
        const failures = this.#cycleSinkFailures.get(event.account) ?? new Set();
        for (const sink of this.sinkNames(event.account)) {
          if (!failures.has(sink)) activity.sinks.set(sink, { ok: true, at: event.at, error: null });
        }
        break;
      }
      case "served":
        activity.refreshing = false;
        activity.failed = false;
        break;
      case "sink-failed":
        this.#cycleSinkFailures.get(event.account)?.add(event.sink);
        activity.sinks.set(event.sink, { ok: false, at: event.at, error: event.error.message });
        break;
      default:
        break;
    }
    for (const listener of this.#changed) listener(event.account);
  }

  close(): void {
    this.#unsubscribe();
  }
}
