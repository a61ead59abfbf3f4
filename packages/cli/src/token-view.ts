import {
  fromUpstoxProfile,
  maskToken,
  type SinkOutcome,
  toIstIso,
  type UpstoxProfile,
  type UpstoxToken,
} from "@upstox-token/core/internal";
import type { Output } from "./output.js";
import { formatIst, formatLocal, formatRelative } from "./time-format.js";

/** The profile with Upstox's own field names, as in its API responses. */
export const profileJson = (profile: UpstoxProfile): Record<string, unknown> => ({
  ...fromUpstoxProfile(profile),
});

/**
 * A token as JSON: Upstox's field names plus issued_at / expires_at (ISO 8601, IST offset). `reveal` decides
 * whether access_token and extended_token are printed in full or masked.
 */
export function tokenJson(token: UpstoxToken, options: { reveal: boolean }): Record<string, unknown> {
  const show = (value: { reveal(): string } | undefined): string | null =>
    value === undefined ? null : options.reveal ? value.reveal() : maskToken(value.reveal());
  return {
    access_token: show(token.accessToken),
    extended_token: show(token.extendedToken),
    ...profileJson(token.profile),
    issued_at: toIstIso(token.issuedAt),
    expires_at: toIstIso(token.expiresAt),
    source: token.source,
  };
}

export function sinkOutcomesJson(outcomes: readonly SinkOutcome[]): Record<string, unknown>[] {
  return outcomes.map((o) =>
    o.ok
      ? { sink: o.sink, ok: true, status: o.result.status, attempts: o.attempts }
      : {
          sink: o.sink,
          ok: false,
          attempts: o.attempts,
          error: { code: o.error.code, message: o.error.message, hint: o.error.hint },
        },
  );
}

/** "2026-11-23 03:30 IST (in 5h 12m; local 2026-11-22 23:00 CET)". */
export function describeExpiry(expiresAt: number, now: number): string {
  return `${formatIst(expiresAt)} (${formatRelative(expiresAt, now)}; local ${formatLocal(expiresAt)})`;
}

export function profileRows(profile: UpstoxProfile): [string, string][] {
  const rows: [string, string | undefined][] = [
    ["User ID", profile.userId],
    ["User name", profile.userName],
    ["Email", profile.email],
    ["Broker", profile.broker],
    ["User type", profile.userType],
    ["Exchanges", profile.exchanges?.join(", ")],
    ["Products", profile.products?.join(", ")],
    ["Order types", profile.orderTypes?.join(", ")],
    ["POA", profile.poa === undefined ? undefined : String(profile.poa)],
    ["DDPI", profile.ddpi === undefined ? undefined : String(profile.ddpi)],
    ["Active", profile.isActive === undefined ? undefined : String(profile.isActive)],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "");
}

/** The human view of a fresh token. The token is masked unless --show-token. */
export function printToken(
  out: Output,
  token: UpstoxToken,
  options: { showToken: boolean; now: number },
): void {
  const s = out.style;
  const access = token.accessToken.reveal();
  out.rows([
    [
      "Access token",
      options.showToken ? access : `${maskToken(access)} ${s.dim("(--show-token to print it)")}`,
    ],
    ...(token.extendedToken
      ? [
          [
            "Extended token",
            options.showToken ? token.extendedToken.reveal() : maskToken(token.extendedToken.reveal()),
          ] as [string, string],
        ]
      : []),
    ["Issued", formatIst(token.issuedAt)],
    ["Expires", describeExpiry(token.expiresAt, options.now)],
    ...profileRows(token.profile),
  ]);
}

export function printSinkOutcomes(out: Output, outcomes: readonly SinkOutcome[]): void {
  const s = out.style;
  for (const o of outcomes) {
    if (o.ok) {
      const what = o.result.status === "written" ? "written" : "kept the newer token already stored";
      out.line(`${s.green("✓")} ${o.sink}: ${what}`);
    } else {
      out.line(`${s.red("✗")} ${o.sink}: ${o.error.message} (after ${o.attempts} attempts)`);
    }
  }
}
