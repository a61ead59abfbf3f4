import { createApp, createUser } from "../account-registry.js";
import { cloudflareChallengeFault } from "../cloudflare-page.js";
import type { EmulatorState } from "../emulator-state.js";
import type { HttpExchange } from "../http-exchange.js";
import { issuedTokens } from "../issued-tokens.js";
import type { Route } from "../route.js";
import type { RetiredStyle } from "../service-paths.js";
import { approveTokenRequest } from "../token-request-approval.js";
import type { EmulatorAppInput, EmulatorUserInput, FaultSpec } from "../types.js";

/** Test hooks under `/__emulator/`, so another process can drive the emulator. Not logged. */

function bodyObject(ex: HttpExchange): Record<string, unknown> {
  const body = ex.jsonBody();
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
  return value;
}

function faultFromJson(body: Record<string, unknown>): FaultSpec {
  const { path, pathPattern, method, status, delayMs, body: text, headers, count } = body;
  let match: string | RegExp;
  if (typeof pathPattern === "string") match = new RegExp(pathPattern);
  else if (typeof path === "string") match = path;
  else throw new TypeError("a fault needs path (exact) or pathPattern (a RegExp source)");
  if (text !== undefined && typeof text !== "string") throw new TypeError("body must be a string");
  const fault: FaultSpec = { path: match };
  if (typeof method === "string") fault.method = method;
  const s = optionalNumber(status, "status");
  if (s !== undefined) fault.status = s;
  const d = optionalNumber(delayMs, "delayMs");
  if (d !== undefined) fault.delayMs = d;
  if (typeof text === "string") fault.body = text;
  if (typeof headers === "object" && headers !== null) fault.headers = headers as Record<string, string>;
  if (count === "Infinity" || count === null) fault.count = Number.POSITIVE_INFINITY;
  else {
    const c = optionalNumber(count, "count");
    if (c !== undefined) fault.count = c;
  }
  return fault;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" && value !== null && Object.values(value).every((v) => typeof v === "string")
  );
}

function retiredStyleOf(value: unknown): RetiredStyle {
  if (value === undefined) return "html-404";
  if (value === "html-404" || value === "json-404" || value === "405") return value;
  throw new TypeError('style must be "html-404", "json-404" or "405"');
}

function control(
  method: string,
  path: string | RegExp,
  run: (ex: HttpExchange, state: EmulatorState, params: string[]) => unknown,
): Route {
  return {
    method,
    path,
    step: null,
    async handle(ex, state, params) {
      try {
        ex.json(200, { ok: true, ...((await run(ex, state, params)) as object) });
      } catch (error) {
        ex.json(400, { ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}

function setClock(state: EmulatorState, body: Record<string, unknown>): { now: number } {
  const nowMs = optionalNumber(body.nowMs, "nowMs");
  const offsetMs = optionalNumber(body.offsetMs, "offsetMs");
  if (nowMs !== undefined) state.config.now = () => nowMs;
  else if (offsetMs !== undefined) state.config.now = () => Date.now() + offsetMs;
  else state.config.now = Date.now;
  return { now: state.now() };
}

export const controlRoutes: Route[] = [
  control("POST", /^\/__emulator\/approve\/([^/]+)$/, async (ex, state, [apiKey = ""]) => {
    const mobile = bodyObject(ex).mobile;
    return approveTokenRequest(state, apiKey, typeof mobile === "string" ? { mobile } : {});
  }),
  control("GET", "/__emulator/log", (_ex, state) => ({ entries: state.log })),
  control("POST", "/__emulator/log", (ex, state) => {
    const entries = [...state.log];
    if (bodyObject(ex).clear === true) state.log.length = 0;
    return { entries };
  }),
  control("POST", "/__emulator/log/clear", (_ex, state) => {
    state.log.length = 0;
    return {};
  }),
  control("POST", "/__emulator/faults", (ex, state) => {
    state.faults.add(faultFromJson(bodyObject(ex)));
    return {};
  }),
  control("POST", "/__emulator/faults/clear", (_ex, state) => {
    state.faults.clear();
    return {};
  }),
  control("POST", "/__emulator/reject-totp", (ex, state) => {
    state.totpRejections = optionalNumber(bodyObject(ex).count, "count") ?? 1;
    return { totpRejections: state.totpRejections };
  }),
  control("POST", "/__emulator/malformed-tokens", (ex, state) => {
    state.malformedTokens = optionalNumber(bodyObject(ex).count, "count") ?? 1;
    return { malformedTokens: state.malformedTokens };
  }),
  control("GET", "/__emulator/service-paths", (_ex, state) => ({ paths: state.servicePaths.table() })),
  control("POST", "/__emulator/service-paths", (ex, state) => {
    const { retire, serve, table, style, restore } = bodyObject(ex);
    const retiredStyle = retiredStyleOf(style);
    if (restore === true) state.servicePaths.reset();
    if (isStringMap(table)) state.servicePaths.set(table, retiredStyle);
    if (isStringMap(serve))
      for (const [path, as] of Object.entries(serve)) state.servicePaths.serveAs(path, as);
    if (Array.isArray(retire)) {
      for (const path of retire) {
        if (typeof path !== "string") throw new TypeError("retire must list paths");
        state.servicePaths.retire(path, retiredStyle);
      }
    }
    return { paths: state.servicePaths.table() };
  }),
  control("POST", "/__emulator/cloudflare", (ex, state) => {
    const { path, pathPattern, count } = bodyObject(ex);
    const match =
      typeof pathPattern === "string"
        ? new RegExp(pathPattern)
        : typeof path === "string"
          ? path
          : /^\/login\//;
    const n =
      count === "Infinity" || count === null
        ? Number.POSITIVE_INFINITY
        : (optionalNumber(count, "count") ?? 1);
    state.faults.add(cloudflareChallengeFault(match, n));
    return {};
  }),
  control("POST", "/__emulator/code-in-2fa", (ex, state) => {
    state.codeInTwoFa = bodyObject(ex).on !== false;
    return { codeInTwoFa: state.codeInTwoFa };
  }),
  control("POST", "/__emulator/reset", (_ex, state) => {
    state.reset();
    return {};
  }),
  control("POST", "/__emulator/clock", (ex, state) => setClock(state, bodyObject(ex))),
  control("POST", "/__emulator/latency", (ex, state) => {
    state.config.latencyMs = optionalNumber(bodyObject(ex).ms, "ms") ?? 0;
    return { latencyMs: state.config.latencyMs };
  }),
  control("POST", "/__emulator/apps", (ex, state) => {
    const app = createApp(bodyObject(ex) as unknown as EmulatorAppInput);
    state.apps.set(app.apiKey, app);
    return { app };
  }),
  control("POST", "/__emulator/users", (ex, state) => {
    const user = createUser(bodyObject(ex) as unknown as EmulatorUserInput);
    state.users.set(user.mobile, user);
    return { user: { ...user, pin: "***", totpSecret: "***" } };
  }),
  control("GET", "/__emulator/tokens", (_ex, state) => ({ tokens: issuedTokens(state) })),
  // The 2026 rules (protocol notes §15.1): an Algo ID in review, an app deleted by the one-app rule.
  control("POST", /^\/__emulator\/apps\/([^/]+)\/algo-review$/, (ex, state, [apiKey = ""]) => {
    const app = state.apps.get(apiKey);
    if (!app) throw new TypeError(`no app ${apiKey}`);
    app.algoIdInReview = bodyObject(ex).inReview !== false;
    return { apiKey, algoIdInReview: app.algoIdInReview };
  }),
  control("DELETE", /^\/__emulator\/apps\/([^/]+)$/, (_ex, state, [apiKey = ""]) => {
    const deleted = state.apps.delete(apiKey);
    state.tokenRequests.delete(apiKey);
    return { apiKey, deleted };
  }),
];
