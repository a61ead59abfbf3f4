import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEMO_APP, DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import { errorFromBody, getProfile, loginWithTotp, UpstoxTokenError } from "../src/internal.js";
import { caught, demoConfig } from "./helpers.js";

// The 2026 rules (protocol notes §15.1), named in errors, against the emulator that learnt them.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());

describe("the 2026 rules, named", () => {
  test("an Algo ID in review: ALGO_ID_IN_REVIEW, a hint naming the hold and saying its code is unknown", async () => {
    emulator.setAlgoIdInReview(DEMO_APP.apiKey);
    try {
      const error = await caught(() => loginWithTotp(demoConfig(emulator)));
      expect(error).toBeInstanceOf(UpstoxTokenError);
      const e = error as UpstoxTokenError;
      expect(e.code).toBe("ALGO_ID_IN_REVIEW");
      expect(e.hint).toContain("In Review");
      expect(e.hint).toContain("unknown");
      expect(e.retryable).toBe(false);
    } finally {
      emulator.setAlgoIdInReview(DEMO_APP.apiKey, false);
    }
  });

  test("an app that vanished (one-app rule): the client-id/secret error's hint names the rule", async () => {
    const app = emulator.addApp({
      apiKey: "gone-app",
      apiSecret: "gone-secret",
      redirectUris: [DEMO_APP.redirectUri],
    });
    emulator.deleteApp(app.apiKey);
    const error = (await caught(() =>
      loginWithTotp(demoConfig(emulator, { clientId: "gone-app", clientSecret: "gone-secret" })),
    )) as UpstoxTokenError;
    expect(error).toBeInstanceOf(UpstoxTokenError);
    expect(["REDIRECT_MISMATCH", "BAD_CLIENT_CREDENTIALS"]).toContain(error.code);
    expect(error.hint).toContain("one active API app per user");
    const exchange = errorFromBody(
      {
        status: "error",
        errors: [{ errorCode: "UDAPI100069", message: "Check your 'client_id' and 'client_secret'" }],
      },
      { step: "token", httpStatus: 401 },
    );
    expect(exchange?.code).toBe("BAD_CLIENT_CREDENTIALS");
    expect(exchange?.hint).toContain("one active API app per user");
  });

  test("a token invalidated by a static-IP update: INVALID_TOKEN's hint names the rule; UDAPI1179 is the weekly limit", async () => {
    const token = await loginWithTotp(demoConfig(emulator));
    expect(emulator.updateStaticIp(DEMO_USER.mobile)).toBe(true);
    const error = (await caught(() =>
      getProfile(demoConfig(emulator), token.accessToken.reveal()),
    )) as UpstoxTokenError;
    expect(error.code).toBe("INVALID_TOKEN");
    expect(error.hint).toContain("static-IP update");
    const weekly = errorFromBody(
      {
        status: "error",
        errors: [
          { errorCode: "UDAPI1179", message: "Static IP can be updated only once in a calendar week." },
        ],
      },
      { step: "static-ip", httpStatus: 400 },
    );
    expect(weekly?.upstoxCode).toBe("UDAPI1179");
    expect(weekly?.hint).toContain("one update per calendar week");
  });
});
