import { CLOCK_SKEW_WARN_MS } from "../clock-skew.js";
import type { UpstoxConfig } from "../config.js";
import { ENDPOINT_PROFILES, type ServiceStep } from "../endpoint-profile.js";
import { isUpstoxTokenError } from "../errors.js";
import { blockedError } from "../firewall-block.js";
import { authorizationUrl } from "../flows/authorization-url.js";
import type { FlowContext } from "../flows/flow-deps.js";
import { readDialogAnswer } from "../flows/login-dialog.js";
import { hasServiceEnvelope, isEndpointGone, STEP_LABELS } from "../flows/step-fallback.js";
import type { HttpResponse } from "../http-client.js";
import { newRequestId, serviceHeaders } from "../service-headers.js";
import { type DoctorCheck, failed, passed } from "./doctor-check.js";

/** The dialog answers a 302 to the login app: the client id and redirect URI are registered. */
export async function dialogCheck(
  ctx: FlowContext,
  config: UpstoxConfig,
): Promise<{ check: DoctorCheck; loginHost?: URL }> {
  const name = "dialog";
  if (!config.clientId || !config.redirectUri) {
    return {
      check: failed(
        name,
        "UPSTOX_CLIENT_ID and UPSTOX_REDIRECT_URI are needed to open the dialog",
        "Set both (see `upstox-token check-env`).",
      ),
    };
  }
  const url = authorizationUrl({ ...config, clientId: config.clientId, redirectUri: config.redirectUri });
  try {
    const response = await ctx.http.send({ step: "dialog", method: "GET", url, redirect: "manual" });
    readDialogAnswer(response, url);
    const target = new URL(response.headers.get("location") ?? "", url);
    return {
      check: passed(
        name,
        `302 to ${target.origin}${target.pathname} (client id and redirect URI registered)`,
      ),
      loginHost: target,
    };
  } catch (error) {
    return { check: failedFrom(name, error) };
  }
}

/** Skew between this machine and Upstox, from the Date header of an answer the doctor already has. */
export function clockCheck(skewMs: number | null): DoctorCheck {
  const name = "clock";
  if (skewMs === null) return passed(name, "not measured: no answer carried a Date header");
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const where = skewMs > 0 ? "behind" : "ahead of";
  if (Math.abs(skewMs) > CLOCK_SKEW_WARN_MS) {
    return failed(
      name,
      `this machine's clock is ${seconds} s ${where} Upstox's`,
      "Synchronise the clock (NTP: `timedatectl set-ntp true` or chrony); TOTP codes change every 30 s.",
    );
  }
  return passed(name, `within ${Math.max(1, seconds)} s of Upstox's clock`);
}

const PROBE_BODY = JSON.stringify({ data: {} });

/**
 * Each login-service path of the active profile answers with the service's envelope rather than "not found".
 * The probe is an empty body: no mobile number (so no OTP is sent) and no PIN (so nothing counts toward a lock).
 */
export async function servicePathChecks(ctx: FlowContext, config: UpstoxConfig): Promise<DoctorCheck[]> {
  const profile = config.endpointProfile;
  const headers = serviceHeaders({
    requestId: newRequestId(),
    appVersion: profile.appVersion,
    extra: profile.extraHeaders,
  });
  const probe = (path: string) =>
    ctx.http.send({
      step: "doctor",
      method: "POST",
      url: `${config.serviceBase}${path}`,
      headers,
      body: PROBE_BODY,
    });
  const checks: DoctorCheck[] = [];
  for (const step of Object.keys(STEP_LABELS) as ServiceStep[]) {
    const path = profile.paths[step];
    const name = `login service ${STEP_LABELS[step]}`;
    try {
      const response = await probe(path);
      const verdict = probeVerdict(response, path);
      if (verdict.ok) {
        checks.push(passed(name, verdict.detail));
        continue;
      }
      checks.push(
        failed(name, verdict.detail, verdict.gone ? await goneFix(step, path, probe) : verdict.fix),
      );
    } catch (error) {
      checks.push(failedFrom(name, error));
    }
  }
  return checks;
}

function probeVerdict(
  response: HttpResponse,
  path: string,
): { ok: true; detail: string } | { ok: false; gone: boolean; detail: string; fix?: string } {
  const blocked = blockedError(response, "login service", response.url);
  if (blocked) return { ok: false, gone: false, detail: blocked.message, fix: blocked.hint };
  if (hasServiceEnvelope(response.text)) {
    return { ok: true, detail: `${path} answers (HTTP ${response.status}, login-service envelope)` };
  }
  if (isEndpointGone(response))
    return { ok: false, gone: true, detail: `${path} is not found (HTTP ${response.status})` };
  return {
    ok: false,
    gone: false,
    detail: `${path} answered HTTP ${response.status} without a login-service envelope`,
    fix: "Run with UPSTOX_DEBUG=true and compare with the browser's requests (see the README of @upstox-token/core).",
  };
}

/** For a gone path: which other known path answers (the login falls back to it), or how to write a profile. */
async function goneFix(
  step: ServiceStep,
  gonePath: string,
  probe: (path: string) => Promise<HttpResponse>,
): Promise<string> {
  for (const profile of Object.values(ENDPOINT_PROFILES)) {
    const path = profile.paths[step];
    if (path === gonePath) continue;
    try {
      if (hasServiceEnvelope((await probe(path)).text)) {
        return (
          `${path} (profile ${profile.name}) answers: the login falls back to it and remembers it; set ` +
          `UPSTOX_ENDPOINT_PROFILE=${profile.name} or a profile file to start there.`
        );
      }
    } catch {
      // try the next one
    }
  }
  return (
    "No known path answers. Read the current one from the browser's developer tools on login.upstox.com and set " +
    'UPSTOX_ENDPOINT_PROFILE to a profile file (see "When Upstox moves the login" in the README of @upstox-token/core).'
  );
}

function failedFrom(name: string, error: unknown): DoctorCheck {
  if (isUpstoxTokenError(error)) return failed(name, error.message, error.hint);
  return failed(name, error instanceof Error ? error.message : String(error));
}
