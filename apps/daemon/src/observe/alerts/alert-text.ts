import { formatIst, type MorningPolicy, morningMoments, type SecretRedactor } from "@upstox-token/core";
import { maskTokens } from "../public-error.js";
import { daemonRedactor } from "../secret-scrub.js";
import type { AlertMessage } from "./channel.js";
import type { Incident } from "./incident-store.js";

/** What a problem message needs besides the incident: all public (codes, times, flow and sink names). */
export interface ProblemContext {
  /** The error's message and hint, as Upstox or the sink said them (redacted here). */
  message: string;
  hint?: string | undefined;
  /** The flow the daemon fell back to in this cycle (a token request waits on the phone). */
  fallbackTo?: string | undefined;
  morning: MorningPolicy;
  now: number;
}

const hhmm = (ms: number) => formatIst(ms).replace(/^.*?(\d{2}:\d{2}).*$/, "$1");

function nextStep(incident: Incident, ctx: ProblemContext): { next: string; you: string } {
  const { phase, marketOpen } = morningMoments(ctx.now, ctx.morning);
  const inMorning = phase === "quiet" || phase === "escalated";
  const keepsTrying = inMorning
    ? `It keeps trying, with pauses of at most ${Math.round(ctx.morning.retryMaxMs / 60_000)} min, until market open (${hhmm(marketOpen)} IST), then less often.`
    : "It tries again later with a pause between tries.";
  const approve =
    ctx.fallbackTo === "token-request"
      ? "It has sent a token request to Upstox: approve it in the Upstox app (or on WhatsApp) and the token is stored at once."
      : ctx.fallbackTo === "browser"
        ? "It has started a browser login: open the URL in the daemon's log and log in."
        : "";
  const byHand = "If it is still failing near market open, log in by hand: upstox-token generate-token.";
  switch (incident.kind) {
    case "pin-refused":
      return {
        next: "The daemon will NOT send this PIN again (five wrong PINs lock the account): the account is paused until the config is reloaded.",
        you: "Fix the PIN in the config (or its .env file), then reload the daemon: systemctl --user reload upstox-token, or kill -HUP <daemon pid>.",
      };
    case "blocked":
      return {
        next: `${approve ? `${approve} ` : ""}${keepsTrying}`,
        you: `${approve ? "Approve the request in the Upstox app. " : ""}If it lasts, check the machine's network (VPN, proxy, a data-centre IP Upstox's firewall refuses). ${byHand}`,
      };
    case "rate-limited":
      return {
        next: `No new login (and no new OTP request) before ${incident.retryAt ? formatIst(incident.retryAt) : "the time Upstox asked for"}; then it tries again by itself.`,
        you: "Nothing, unless another program or machine logs in to this account too: stop it.",
      };
    case "sink-lagging":
      return {
        next: "It retries the write and catches the sink up as soon as it answers; the other sinks have the token.",
        you: `Check that ${incident.sinks?.join(", ") ?? "the sink"} is running and writable.`,
      };
    default:
      return {
        next: `${approve ? `${approve} ` : ""}${keepsTrying}`,
        you: approve ? `Approve the request in the Upstox app. ${byHand}` : byHand,
      };
  }
}

const WHAT: Record<Incident["kind"], string> = {
  "login-failing": "login failing",
  "pin-refused": "PIN refused",
  blocked: "login blocked",
  "rate-limited": "rate-limited by Upstox",
  "sink-lagging": "token not written to a sink",
};

function clean(text: string, redactor: SecretRedactor): string {
  return maskTokens(redactor.redact(text), redactor);
}

/** The problem message: what happened, what the daemon does next, what the person can do. */
export function problemMessage(
  incident: Incident,
  ctx: ProblemContext,
  redactor: SecretRedactor = daemonRedactor,
): AlertMessage {
  const { next, you } = nextStep(incident, ctx);
  const since = `since ${formatIst(incident.openedAt)}`;
  const what =
    incident.kind === "sink-lagging"
      ? `The token of account ${incident.account} could not be written to ${incident.sinks?.join(", ")} (${incident.code}: ${ctx.message}), ${since}.`
      : `The Upstox login of account ${incident.account} is failing ${since}: ${incident.code}: ${ctx.message}${ctx.hint ? ` (${ctx.hint})` : ""}`;
  return {
    title: clean(`upstox-token: ${incident.account}: ${WHAT[incident.kind]}`, redactor).replace(
      /[^\x20-\x7e]/g,
      "",
    ),
    body: clean(`What happened: ${what}\nWhat the daemon does: ${next}\nWhat you can do: ${you}`, redactor),
    priority: "high",
    kind: "problem",
  };
}

/** The resolution message, once per incident that was told. */
export function resolvedMessage(
  incident: Incident,
  ctx: { now: number; expiresAt?: number | undefined },
  redactor: SecretRedactor = daemonRedactor,
): AlertMessage {
  const lasted = Math.max(1, Math.round((ctx.now - incident.openedAt) / 60_000));
  const body =
    incident.kind === "sink-lagging"
      ? `The token of account ${incident.account} is in every sink again (${incident.sinks?.join(", ")} caught up). The problem lasted ${lasted} min.`
      : `Account ${incident.account} has a fresh token${ctx.expiresAt ? `, valid until ${formatIst(ctx.expiresAt)}` : ""}. The problem (${incident.code}) lasted ${lasted} min. Nothing to do.`;
  return {
    title: clean(`upstox-token: ${incident.account}: resolved (${WHAT[incident.kind]})`, redactor),
    body: clean(body, redactor),
    priority: "default",
    kind: "resolved",
  };
}
