import { randomBytes } from "node:crypto";
import { FaultTable } from "./fault-table.js";
import { OtpRateLimit } from "./otp-rate-limit.js";
import { ServicePaths } from "./service-paths.js";
import type { EmulatorApp, EmulatorUser, RequestLogEntry } from "./types.js";

/** Every option resolved; mutable where the Emulator API allows changes at run time. */
export interface EmulatorConfig {
  now: () => number;
  latencyMs: number;
  serviceErrorStatus: number;
  requireCookies: boolean;
  minAppVersion: string | null;
  otpRateLimit: { max: number; windowMs: number } | null;
  totpWindow: number;
  otpAttempts: number;
  maxPinAttempts: number;
  codeTtlMs: number;
  otpSessionTtlMs: number;
  internalRedirectUri: string;
  loginBase: string;
  url: string;
  quiet: boolean;
}

/** R1: one visit to the authorize dialog. Its `userIdOpaque` is the `user_id` the login page carries. */
export interface DialogSession {
  userIdOpaque: string;
  app: EmulatorApp;
  redirectUri: string;
  state: string | undefined;
  createdAt: number;
}

/** R2: a `validateOTPToken`. */
export interface OtpSession {
  token: string;
  dialog: DialogSession;
  user: EmulatorUser;
  createdAt: number;
  attemptsLeft: number;
  spent: boolean;
}

/** R3 → R4: the `auth_identity_token` cookie. */
export interface IdentitySession {
  dialog: DialogSession;
  user: EmulatorUser;
  createdAt: number;
}

/** R4 → R5: the web `access_token` cookie. */
export interface WebSession {
  dialog: DialogSession;
  /** The account chosen at 2FA (one of the mobile number's accounts). */
  user: EmulatorUser;
  createdAt: number;
  /** The internal redirect 2FA accepted; the approval must use the same one. */
  internalRedirectUri: string;
}

export interface AuthCode {
  code: string;
  dialog: DialogSession;
  user: EmulatorUser;
  createdAt: number;
  used: boolean;
}

export interface TokenRecord {
  token: string;
  jti: string;
  kind: "access" | "extended";
  user: EmulatorUser;
  app: EmulatorApp;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface PendingTokenRequest {
  app: EmulatorApp;
  createdAt: number;
  expiresAt: number;
}

/** Everything the emulator remembers. Handlers read and change it; nothing else holds state. */
export class EmulatorState {
  readonly apps = new Map<string, EmulatorApp>();
  readonly users = new Map<string, EmulatorUser>();
  readonly dialogs = new Map<string, DialogSession>();
  readonly otpSessions = new Map<string, OtpSession>();
  readonly identitySessions = new Map<string, IdentitySession>();
  readonly webSessions = new Map<string, WebSession>();
  readonly codes = new Map<string, AuthCode>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly tokenRequests = new Map<string, PendingTokenRequest>();
  readonly otpRateLimit = new OtpRateLimit();
  readonly faults = new FaultTable();
  /** How many of the next TOTP verifies are refused even with a correct code (a clock at a window's edge). */
  totpRejections = 0;
  /** How many of the next token exchanges answer `"access_token":"not-a-jwt"` (an upstream that misbehaves). */
  malformedTokens = 0;
  /** Which path serves which login-service behaviour (retire, serve elsewhere). */
  readonly servicePaths = new ServicePaths();
  /** When each user (by mobile) last updated their static IPs: one update per calendar week (UDAPI1179). */
  readonly staticIpUpdates = new Map<string, { at: number; ips: string[] }>();
  /** The 2FA answer carries the code (`redirectUri` with `?code=`), as some 2026 answers do. */
  codeInTwoFa = false;
  readonly log: RequestLogEntry[] = [];
  readonly signingKey = randomBytes(32);
  /** The most recent sessions, for clients that send no cookies when `requireCookies` is off. */
  lastIdentitySession: IdentitySession | undefined;
  lastWebSession: WebSession | undefined;
  lastDialog: DialogSession | undefined;

  constructor(readonly config: EmulatorConfig) {}

  now(): number {
    return this.config.now();
  }

  appByInternalClientId(internalClientId: string): EmulatorApp | undefined {
    for (const app of this.apps.values()) if (app.internalClientId === internalClientId) return app;
    return undefined;
  }

  userByUcc(userId: string): EmulatorUser | undefined {
    for (const user of this.users.values()) if (user.userId === userId) return user;
    return undefined;
  }

  reset(): void {
    for (const map of [
      this.dialogs,
      this.otpSessions,
      this.identitySessions,
      this.webSessions,
      this.codes,
      this.tokens,
      this.tokenRequests,
    ]) {
      map.clear();
    }
    for (const user of this.users.values()) {
      user.pinFailures = 0;
      user.locked = false;
    }
    this.otpRateLimit.clear();
    this.staticIpUpdates.clear();
    this.faults.clear();
    this.totpRejections = 0;
    this.malformedTokens = 0;
    this.servicePaths.reset();
    this.codeInTwoFa = false;
    this.log.length = 0;
    this.lastIdentitySession = undefined;
    this.lastWebSession = undefined;
    this.lastDialog = undefined;
  }
}
