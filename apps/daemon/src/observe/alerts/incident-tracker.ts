import { type MorningPolicy, shouldEscalate, type UpstoxTokenError } from "@upstox-token/core";
import type { DaemonEvent } from "../event-bus.js";
import { problemMessage, resolvedMessage } from "./alert-text.js";
import type { AlertMessage } from "./channel.js";
import type { Incident, IncidentKind, IncidentStore } from "./incident-store.js";

/** Codes only the person can fix: told at once, whatever the hour. */
const TELL_AT_ONCE = new Set(["WRONG_PIN", "ACCOUNT_LOCKED", "BAD_CLIENT_CREDENTIALS", "WRONG_TOTP"]);
const LOGIN_KINDS: readonly IncidentKind[] = ["login-failing", "pin-refused", "blocked", "rate-limited"];

export interface TrackerOptions {
  /** The store of the account's Upstox user (state folder), by account name. */
  storeFor: (account: string) => IncidentStore | undefined;
  morning: () => MorningPolicy;
  /** false (--once): no later cycle will escalate, so every problem is told at once. Default true. */
  quietMornings?: boolean;
  send: (message: AlertMessage, about: { account: string; kind: IncidentKind }) => void;
}

function loginKind(error: UpstoxTokenError): IncidentKind {
  if (error.code === "WRONG_PIN" || error.code === "ACCOUNT_LOCKED") return "pin-refused";
  if (error.code === "BLOCKED") return "blocked";
  return "login-failing";
}

/**
 * Alertmanager's grouping for one daemon: one incident per account and kind, one problem message when it is
 * told and one resolution message when it ends, never one per attempt. In the quiet part of the morning a
 * failing login is retried without a word; it is told at the escalation (with the fallback's request to
 * approve) unless it was saved before. Incidents live in the state folder, so a restart does not re-alert.
 */
export class IncidentTracker {
  readonly #o: TrackerOptions;
  /** Sinks that failed in the account's current login cycle (a success writes every other one). */
  readonly #cycleSinkFailures = new Map<string, Set<string>>();

  constructor(options: TrackerOptions) {
    this.#o = options;
  }

  handle(event: DaemonEvent): void {
    const store = this.#o.storeFor(event.account);
    if (!store) return;
    switch (event.type) {
      case "refreshing":
        if (event.attempt === 1) this.#cycleSinkFailures.set(event.account, new Set());
        return;
      case "failed":
        // The engine says `failed` once, when the cycle ends (an attempt it retries is `retrying`, not news);
        // a rate limit is told by its own event. A permanent failure stops the account: no later cycle would
        // escalate it, so it is told at once.
        if (event.error.code === "RATE_LIMITED") return;
        this.#problem(store, event.account, loginKind(event.error), event.error, event.at, {
          force: event.permanent,
        });
        return;
      case "fallback":
        // The fallback runs only once escalated, and it may wait on the person: tell them now.
        this.#problem(store, event.account, loginKind(event.error), event.error, event.at, {
          fallbackTo: event.to,
          force: true,
        });
        return;
      case "rate-limited":
        this.#problem(store, event.account, "rate-limited", event.error, event.at, {
          retryAt: event.retryAt,
        });
        return;
      case "sink-failed": {
        this.#cycleSinkFailures.get(event.account)?.add(event.sink);
        const open = store.find(event.account, "sink-lagging");
        const sinks = [...new Set([...(open?.sinks ?? []), event.sink])];
        this.#problem(store, event.account, "sink-lagging", event.error, event.at, { sinks, force: true });
        return;
      }
      case "synced":
        this.#sinksCaughtUp(store, event.account, (sink) => event.sinks.includes(sink), event.at);
        return;
      case "stored": {
        this.#resolveLogin(store, event.account, event.at, event.record.expiresAt);
        const failed = this.#cycleSinkFailures.get(event.account) ?? new Set<string>();
        if (event.loggedIn) this.#sinksCaughtUp(store, event.account, (sink) => !failed.has(sink), event.at);
        return;
      }
      case "served":
        this.#resolveLogin(store, event.account, event.at, event.record.expiresAt);
        return;
      default:
        return;
    }
  }

  #problem(
    store: IncidentStore,
    account: string,
    kind: IncidentKind,
    error: UpstoxTokenError,
    at: number,
    extra: { fallbackTo?: string; retryAt?: number; sinks?: string[]; force?: boolean },
  ): void {
    const open = store.find(account, kind);
    const incident: Incident = open ?? { account, kind, openedAt: at, notifiedAt: null, code: error.code };
    if (extra.sinks) incident.sinks = extra.sinks;
    if (extra.retryAt !== undefined) incident.retryAt = extra.retryAt;
    const tell =
      incident.notifiedAt === null &&
      (extra.force === true ||
        TELL_AT_ONCE.has(error.code) ||
        this.#o.quietMornings === false ||
        shouldEscalate(at, this.#o.morning()));
    if (tell) {
      incident.notifiedAt = at;
      incident.code = error.code;
      this.#o.send(
        problemMessage(incident, {
          message: error.message,
          hint: error.hint,
          fallbackTo: extra.fallbackTo,
          morning: this.#o.morning(),
          now: at,
        }),
        { account, kind },
      );
    }
    if (!open || tell || extra.sinks || extra.retryAt !== undefined) store.put(incident);
  }

  #resolveLogin(store: IncidentStore, account: string, at: number, expiresAt: number): void {
    for (const kind of LOGIN_KINDS) {
      const open = store.find(account, kind);
      if (!open) continue;
      store.remove(account, kind);
      // A problem saved before anyone was told stays untold: no news is good news.
      if (open.notifiedAt !== null)
        this.#o.send(resolvedMessage(open, { now: at, expiresAt }), { account, kind });
    }
  }

  #sinksCaughtUp(
    store: IncidentStore,
    account: string,
    caughtUp: (sink: string) => boolean,
    at: number,
  ): void {
    const open = store.find(account, "sink-lagging");
    if (!open) return;
    const behind = (open.sinks ?? []).filter((sink) => !caughtUp(sink));
    if (behind.length > 0) {
      if (behind.length !== open.sinks?.length) store.put({ ...open, sinks: behind });
      return;
    }
    store.remove(account, "sink-lagging");
    if (open.notifiedAt !== null)
      this.#o.send(resolvedMessage(open, { now: at }), { account, kind: "sink-lagging" });
  }
}
