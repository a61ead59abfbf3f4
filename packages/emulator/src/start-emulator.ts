import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, createUser } from "./account-registry.js";
import { cloudflareChallengeFault } from "./cloudflare-page.js";
import { DEMO_APP, DEMO_APP_ALT_REDIRECT_URI, DEMO_USER } from "./demo-account.js";
import { type EmulatorConfig, EmulatorState } from "./emulator-state.js";
import { issuedTokens } from "./issued-tokens.js";
import { handleRequest } from "./request-handler.js";
import { DEFAULT_INTERNAL_REDIRECT_PATH, routeTable } from "./route-table.js";
import { updateStaticIp } from "./static-ip.js";
import { liveToken } from "./token-minting.js";
import { approveTokenRequest, mintTokenFor } from "./token-request-approval.js";
import type { Emulator, EmulatorOptions } from "./types.js";

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Starts a local Upstox (public API, login service and login page) on one origin. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;

  const config: EmulatorConfig = {
    now: options.now ?? Date.now,
    latencyMs: options.latencyMs ?? 0,
    serviceErrorStatus: options.serviceErrorStatus ?? 200,
    requireCookies: options.requireCookies ?? true,
    minAppVersion: options.minAppVersion === undefined ? "4.0.0" : options.minAppVersion,
    otpRateLimit: options.otpRateLimit === undefined ? { max: 10, windowMs: 600_000 } : options.otpRateLimit,
    totpWindow: options.totpWindow ?? 1,
    otpAttempts: options.otpAttempts ?? 5,
    maxPinAttempts: options.maxPinAttempts ?? 5,
    codeTtlMs: options.codeTtlMs ?? 120_000,
    otpSessionTtlMs: options.otpSessionTtlMs ?? 300_000,
    internalRedirectUri: options.internalRedirectUri ?? `${url}${DEFAULT_INTERNAL_REDIRECT_PATH}`,
    loginBase: stripTrailingSlash(options.loginBase ?? url),
    url,
    quiet: options.quiet ?? true,
  };
  const state = new EmulatorState(config);
  if (options.seed ?? true) {
    const app = createApp({
      apiKey: DEMO_APP.apiKey,
      apiSecret: DEMO_APP.apiSecret,
      redirectUris: [DEMO_APP.redirectUri, DEMO_APP_ALT_REDIRECT_URI],
    });
    state.apps.set(app.apiKey, app);
    const user = createUser({
      ...DEMO_USER,
      name: "Demo User",
      email: "demo@example.com",
      profileId: 10000001,
    });
    state.users.set(user.mobile, user);
  }
  for (const input of options.apps ?? []) {
    const app = createApp(input);
    state.apps.set(app.apiKey, app);
  }
  for (const input of options.users ?? []) {
    const user = createUser(input);
    state.users.set(user.mobile, user);
  }

  const routes = routeTable(config.internalRedirectUri);
  server.on("request", (req, res) => {
    void handleRequest(req, res, state, routes);
  });

  return {
    url,
    apiBase: url,
    serviceBase: url,
    loginBase: config.loginBase,
    log: state.log,
    steps: (step) => state.log.filter((entry) => entry.step === step),
    clearLog: () => {
      state.log.length = 0;
    },
    addApp(input) {
      const app = createApp(input);
      state.apps.set(app.apiKey, app);
      return app;
    },
    addUser(input) {
      const user = createUser(input);
      state.users.set(user.mobile, user);
      return user;
    },
    setLatency(ms) {
      config.latencyMs = ms;
    },
    setNow(now) {
      config.now = now;
    },
    inject: (fault) => state.faults.add(fault),
    clearFaults: () => state.faults.clear(),
    retirePath: (path, style) => state.servicePaths.retire(path, style),
    servePathAs: (path, as) => state.servicePaths.serveAs(path, as),
    setServicePaths: (table, style) => state.servicePaths.set(table, style),
    restoreServicePaths: () => state.servicePaths.reset(),
    cloudflareChallenge: (opts = {}) =>
      state.faults.add(cloudflareChallengeFault(opts.path ?? /^\/login\//, opts.count ?? 1)),
    codeInTwoFaResponse: (on = true) => {
      state.codeInTwoFa = on;
    },
    rejectTotp: (count = 1) => {
      state.totpRejections = count;
    },
    setAlgoIdInReview: (apiKey, inReview = true) => {
      const app = state.apps.get(apiKey);
      if (!app) throw new Error(`no app ${apiKey}`);
      app.algoIdInReview = inReview;
    },
    deleteApp: (apiKey) => {
      state.apps.delete(apiKey);
      state.tokenRequests.delete(apiKey);
    },
    updateStaticIp: (mobile, ips = ["203.0.113.10"]) => {
      const user = state.users.get(mobile);
      if (!user) throw new Error(`no user ${mobile}`);
      return updateStaticIp(state, user, ips);
    },
    malformedTokens: (count = 1) => {
      state.malformedTokens = count;
    },
    approveTokenRequest: (apiKey, opts) => approveTokenRequest(state, apiKey, opts),
    mintToken: (apiKey, opts) => mintTokenFor(state, apiKey, opts),
    issuedTokens: () => issuedTokens(state),
    isTokenValid: (token) => liveToken(state, token) !== null,
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
