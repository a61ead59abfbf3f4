import type { UpstoxConfig } from "../config.js";
import { isUpstoxTokenError } from "../errors.js";
import { type FlowDeps, flowContext } from "../flows/flow-deps.js";
import {
  type DoctorCheck,
  type DoctorReport,
  type ExternalCheck,
  failed,
  passed,
  runExternal,
} from "./doctor-check.js";
import { clockCheck, dialogCheck, servicePathChecks } from "./login-checks.js";
import { dnsCheck, tlsCheck } from "./network-checks.js";

export interface DoctorOptions {
  /** The loaded configuration, or what loading it threw (then only the config line is reported for Upstox). */
  config: UpstoxConfig | { error: unknown };
  /** Sinks, lock and anything else the shell knows how to check (run after the Upstox checks). */
  checks?: ExternalCheck[];
  /** Lines the shell computed itself (e.g. the daemon's next runs). */
  extra?: DoctorCheck[];
  deps?: Pick<FlowDeps, "fetch" | "now" | "logger" | "signal">;
}

const DEFAULT_LOGIN_HOST = "https://login.upstox.com";

/**
 * Everything a login needs, checked without logging in: the config; DNS and TLS to the API, login-service and
 * login hosts; the clock against Upstox's Date header; the dialog's 302; each login-service path of the active
 * profile; then the shell's checks (sinks, lock). Never sends a mobile number, an OTP or a PIN.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const { config } = options;
  if ("error" in config) {
    const error = config.error;
    checks.push(
      failed(
        "config",
        error instanceof Error ? error.message : String(error),
        isUpstoxTokenError(error) ? error.hint : undefined,
      ),
    );
  } else {
    checks.push(passed("config", `valid; endpoint profile ${config.endpointProfile.name}`));
    checks.push(...(await upstoxChecks(config, options.deps ?? {})));
  }
  for (const check of options.checks ?? []) checks.push(await runExternal(check));
  checks.push(...(options.extra ?? []));
  return { ok: checks.every((c) => c.ok), checks };
}

async function upstoxChecks(
  config: UpstoxConfig,
  deps: NonNullable<DoctorOptions["deps"]>,
): Promise<DoctorCheck[]> {
  // No cookie jar and the config's timeout; debug off (nothing here is worth a request log).
  const ctx = flowContext({ ...config, debug: false }, deps);
  const checks: DoctorCheck[] = [];
  const dialog = await dialogCheck(ctx, config);
  const apiBase = new URL(config.apiBase);
  // Without the dialog's Location, guess the login host only for the real Upstox, never for an emulator.
  const loginHost =
    dialog.loginHost ??
    (config.loginBase
      ? new URL(config.loginBase)
      : apiBase.hostname.endsWith("upstox.com")
        ? new URL(DEFAULT_LOGIN_HOST)
        : undefined);
  const origins = new Map<string, URL>();
  for (const url of [apiBase, new URL(config.serviceBase), loginHost]) {
    if (url) origins.set(url.host, url);
  }
  for (const url of origins.values()) checks.push(await dnsCheck(url));
  for (const url of origins.values()) checks.push(await tlsCheck(url, config.timeoutMs));
  checks.push(clockCheck(ctx.http.clockSkew.skewMs));
  checks.push(dialog.check);
  checks.push(...(await servicePathChecks(ctx, config)));
  return checks;
}
