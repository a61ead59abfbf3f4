import { ENDPOINT_PROFILES, type EndpointProfile, type ServiceStep } from "../endpoint-profile.js";
import { UpstoxTokenError } from "../errors.js";
import { blockedError } from "../firewall-block.js";
import type { HttpResponse } from "../http-client.js";
import type { Logger } from "../logger.js";
import type { RememberedEndpoints } from "./endpoint-memory.js";

/** How each step is named in logs, errors and the emulator's log. */
export const STEP_LABELS: Record<ServiceStep, string> = {
  generateOtp: "otp-generate",
  verifyOtp: "otp-verify",
  twoFa: "2fa",
  authorize: "oauth-authorize",
};

/** One way to make a step: the path, and the profile whose body fields, headers and response shape go with it. */
export interface StepVariant {
  step: ServiceStep;
  path: string;
  profile: EndpointProfile;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** True when the body is the login service's own envelope (§5.2): the service heard the request. */
export function hasServiceEnvelope(text: string): boolean {
  try {
    const body: unknown = JSON.parse(text);
    return isRecord(body) && (typeof body.success === "boolean" || isRecord(body.error));
  } catch {
    return false;
  }
}

/**
 * The path is gone: 404/405, or an HTML "not found" page, and no service envelope. Only such an answer lets a
 * step move on to another known path; any service answer means the service processed the request.
 */
export function isEndpointGone(response: HttpResponse): boolean {
  if (hasServiceEnvelope(response.text)) return false;
  if (response.status === 404 || response.status === 405) return true;
  const type = response.headers.get("content-type") ?? "";
  return /html/i.test(type) && /not found|\b404\b/i.test(response.text);
}

/**
 * The order a step's paths are tried in: what worked last time for this account, the configured profile, then
 * every built-in profile in its fixed order (default, 2026-09, 2026-05). One entry per path.
 */
export function stepVariants(
  step: ServiceStep,
  configured: EndpointProfile,
  remembered: RememberedEndpoints | undefined,
): StepVariant[] {
  const candidates: StepVariant[] = [];
  const seen = new Set<string>();
  const add = (profile: EndpointProfile | undefined, path = profile?.paths[step]) => {
    if (!profile || !path || seen.has(path)) return;
    seen.add(path);
    candidates.push({ step, path, profile: path === profile.paths[step] ? profile : configured });
  };
  const memo = remembered?.configuredProfile === configured.name ? remembered.steps[step] : undefined;
  if (memo) {
    const builtIn = Object.values(ENDPOINT_PROFILES).find((p) => p.name === memo.profile);
    add(builtIn && builtIn.paths[step] === memo.path ? builtIn : configured, memo.path);
  }
  add(configured);
  for (const profile of Object.values(ENDPOINT_PROFILES)) add(profile);
  return candidates;
}

export interface FallbackSend {
  /** Called just before a variant's request goes out (the PIN step marks the PIN as sent). */
  beforeSend?: (variant: StepVariant) => void;
  /** Called when a variant's path turned out to be gone (the PIN step marks the PIN as not sent again). */
  onGone?: (variant: StepVariant) => void;
}

/**
 * Makes one login-service step, falling back through the known variants while the answer says the path is gone.
 * A firewall block stops at once (BLOCKED); a service answer of any kind ends the search. Records what answered.
 */
export class StepFallback {
  /** What answered per step in this login, to remember for the next one. */
  readonly used: Partial<Record<ServiceStep, StepVariant>> = {};

  constructor(
    private readonly configured: EndpointProfile,
    private readonly remembered: RememberedEndpoints | undefined,
    private readonly logger: Logger,
  ) {}

  async send(
    step: ServiceStep,
    request: (variant: StepVariant) => Promise<HttpResponse>,
    hooks: FallbackSend = {},
  ): Promise<{ response: HttpResponse; variant: StepVariant }> {
    const label = STEP_LABELS[step];
    const tried: string[] = [];
    // A step made again in the same login (the TOTP retry) starts where it answered the first time.
    const variants = stepVariants(step, this.configured, this.remembered);
    const answered = this.used[step];
    if (answered)
      variants.sort((a, b) => Number(b.path === answered.path) - Number(a.path === answered.path));
    for (const variant of variants) {
      hooks.beforeSend?.(variant);
      const response = await request(variant);
      const blocked = blockedError(response, label, response.url);
      if (blocked) throw blocked;
      if (!isEndpointGone(response)) {
        this.used[step] = variant;
        this.#announce(variant);
        return { response, variant };
      }
      hooks.onGone?.(variant);
      tried.push(`${variant.path} (HTTP ${response.status})`);
      this.logger.debug({ step: label, path: variant.path, status: response.status }, "login: path is gone");
    }
    throw endpointNotFound(label, tried);
  }

  /** What to remember for the account: the steps that answered somewhere other than the configured profile. */
  memory(now: number): RememberedEndpoints | undefined {
    const steps: RememberedEndpoints["steps"] = { ...this.#stillValidMemory() };
    for (const [step, variant] of Object.entries(this.used) as [ServiceStep, StepVariant][]) {
      if (variant.path === this.configured.paths[step]) delete steps[step];
      else steps[step] = { path: variant.path, profile: variant.profile.name };
    }
    if (Object.keys(steps).length === 0) return undefined;
    return { configuredProfile: this.configured.name, steps, updatedAt: now };
  }

  /** True when this login learnt something the memory does not hold yet. */
  changed(): boolean {
    const before = this.#stillValidMemory();
    const after = this.memory(0)?.steps ?? {};
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<ServiceStep>;
    for (const key of keys) if (before[key]?.path !== after[key]?.path) return true;
    return this.remembered !== undefined && this.remembered.configuredProfile !== this.configured.name;
  }

  #stillValidMemory(): RememberedEndpoints["steps"] {
    return this.remembered?.configuredProfile === this.configured.name ? this.remembered.steps : {};
  }

  #announce(variant: StepVariant): void {
    const { step, path } = variant;
    if (path === this.configured.paths[step]) return;
    const memo = this.#stillValidMemory()[step];
    const label = STEP_LABELS[step];
    if (memo?.path === path) {
      this.logger.debug(
        { step: label, path, profile: variant.profile.name },
        "login: using the remembered path",
      );
      return;
    }
    this.logger.warn(
      { step: label, path, profile: variant.profile.name },
      `Upstox moved ${label} to ${path}; using profile ${variant.profile.name} for this step (remembered for the next login)`,
    );
  }
}

function endpointNotFound(label: string, tried: string[]): UpstoxTokenError {
  return new UpstoxTokenError(
    "ENDPOINT_NOT_FOUND",
    `${label}: Upstox no longer answers at any known path (tried ${tried.join(", ")})`,
    {
      retryable: false,
      hint:
        `Upstox moved the ${label} step. Open login.upstox.com in a browser with the developer tools' Network ` +
        `tab, log in once, and note the path of the ${label} request; then set UPSTOX_ENDPOINT_PROFILE to a ` +
        'profile file such as {"base":"default","paths":{...}} (see "When Upstox moves the login" in the README ' +
        "of @upstox-token/core).",
    },
  );
}
