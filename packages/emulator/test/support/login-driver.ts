import { DEMO_APP, DEMO_USER, type Emulator } from "../../src/index.js";
import { CookieJar } from "./cookie-jar.js";
import { totpAt } from "./rfc6238.js";

export const DEVICE_DETAILS =
  "platform=WEB|osName=Linux/x86_64|osVersion=Chrome/140.0.0.0|appVersion=4.0.0|modelName=Chrome|manufacturer=unknown";

export interface ServiceBody {
  success: boolean;
  data: Record<string, unknown> | null;
  error: { code: number; message: string } | null;
}

export interface ApiErrorBody {
  status: string;
  errors: Array<Record<string, unknown>>;
}

/** Drives the headless login by hand, one step per method, with a manual cookie jar. */
export class LoginDriver {
  readonly jar = new CookieJar();
  internalClientId = "";
  internalRedirect = "";
  dialogUserId = "";
  validateOtpToken = "";
  headers: Record<string, string> = {
    "content-type": "application/json",
    "x-device-details": DEVICE_DETAILS,
  };

  constructor(
    readonly emulator: Emulator,
    readonly now: () => number = Date.now,
    readonly user: { mobile: string; totpSecret: string; pin: string } = DEMO_USER,
  ) {}

  dialogUrl(query: Record<string, string> = {}): string {
    const params = new URLSearchParams({
      response_type: "code",
      client_id: DEMO_APP.apiKey,
      redirect_uri: DEMO_APP.redirectUri,
      ...query,
    });
    return `${this.emulator.url}/v2/login/authorization/dialog?${params}`;
  }

  async dialog(query: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(this.dialogUrl(query), { redirect: "manual" });
    this.jar.store(response);
    const location = response.headers.get("location");
    if (location) {
      const url = new URL(location);
      this.internalClientId = url.searchParams.get("client_id") ?? "";
      this.internalRedirect = url.searchParams.get("redirect_uri") ?? "";
      this.dialogUserId = url.searchParams.get("user_id") ?? "";
    }
    return response;
  }

  async service(
    path: string,
    data: unknown,
    headers: Record<string, string> = {},
  ): Promise<[Response, ServiceBody]> {
    const response = await fetch(`${this.emulator.url}${path}`, {
      method: "POST",
      headers: { ...this.headers, cookie: this.jar.header(), ...headers },
      body: JSON.stringify({ data }),
    });
    this.jar.store(response);
    return [response, (await response.json()) as ServiceBody];
  }

  async generateOtp(data: Record<string, unknown> = {}): Promise<ServiceBody> {
    const [, body] = await this.service("/login/open/v6/auth/1fa/otp/generate", {
      mobileNumber: this.user.mobile,
      userId: this.dialogUserId,
      ...data,
    });
    if (body.success) this.validateOtpToken = String(body.data?.validateOTPToken);
    return body;
  }

  totp(): string {
    return totpAt(this.user.totpSecret, this.now());
  }

  async verifyOtp(otp = this.totp(), version: "v4" | "v5" = "v4"): Promise<ServiceBody> {
    const [, body] = await this.service(`/login/open/${version}/auth/1fa/otp-totp/verify`, {
      otp,
      validateOtpToken: this.validateOtpToken,
    });
    return body;
  }

  loginQuery(overrides: Record<string, string> = {}): string {
    return new URLSearchParams({
      client_id: this.internalClientId,
      redirect_uri: this.internalRedirect,
      ...overrides,
    }).toString();
  }

  async submitPin(inputText = btoa(this.user.pin), extra: Record<string, unknown> = {}, version = "v3") {
    const [, body] = await this.service(`/login/open/${version}/auth/2fa?${this.loginQuery()}`, {
      twoFAMethod: "SECRET_PIN",
      inputText,
      ...extra,
    });
    return body;
  }

  async authorize(): Promise<ServiceBody> {
    const query = this.loginQuery({ requestId: "PW3a1b2c3d4e5", response_type: "code" });
    const [, body] = await this.service(`/login/v2/oauth/authorize?${query}`, { userOAuthApproval: true });
    return body;
  }

  /** R1–R5; returns the authorization code. */
  async loginForCode(query: Record<string, string> = {}): Promise<string> {
    await this.dialog(query);
    const steps: Array<[string, () => Promise<ServiceBody>]> = [
      ["generate", () => this.generateOtp()],
      ["verify", () => this.verifyOtp()],
      ["2fa", () => this.submitPin()],
      ["authorize", () => this.authorize()],
    ];
    let last: ServiceBody | undefined;
    for (const [name, step] of steps) {
      last = await step();
      if (!last.success) throw new Error(`${name} failed: ${JSON.stringify(last.error)}`);
    }
    return codeOf(String(last?.data?.redirectUri));
  }
}

export function codeOf(redirectUri: string): string {
  return new URL(redirectUri).searchParams.get("code") ?? "";
}

export async function exchangeCode(
  emulator: Emulator,
  code: string,
  overrides: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${emulator.url}/v2/login/authorization/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      code,
      client_id: DEMO_APP.apiKey,
      client_secret: DEMO_APP.apiSecret,
      redirect_uri: DEMO_APP.redirectUri,
      grant_type: "authorization_code",
      ...overrides,
    }),
  });
}

export function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"));
}
