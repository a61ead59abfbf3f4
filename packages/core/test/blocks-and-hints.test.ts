import { describe, expect, test } from "bun:test";
import { z } from "zod";
import {
  blockedError,
  errorFromBody,
  errorFromStatus,
  type HttpResponse,
  isFirewallBlock,
  retryAfterMs,
  UpstoxTokenError,
} from "../src/internal.js";
import { readUpstoxResponse } from "../src/upstox-response.js";

const CF_PAGE =
  "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Error 1010</h1></body></html>";

function answer(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, text, headers: new Headers(headers), url: "https://service.upstox.com/login/x" };
}

describe("firewall blocks", () => {
  const blocked: [string, HttpResponse][] = [
    ["Server: cloudflare", answer(403, "<html>denied</html>", { server: "cloudflare" })],
    ["CF-RAY", answer(503, "<html>busy</html>", { "cf-ray": "8a1b2c3d4e5f-BOM" })],
    ["Attention Required", answer(403, CF_PAGE)],
    ["Just a moment", answer(429, "<html><title>Just a moment...</title></html>")],
    ["Error 1020", answer(403, "<p>Error 1020 Access denied</p>")],
  ];
  for (const [name, response] of blocked) {
    test(`${name} → BLOCKED, not retryable, blames neither profile nor credentials`, () => {
      const error = blockedError(response, "otp-generate", response.url);
      expect(error?.code).toBe("BLOCKED");
      expect(error?.retryable).toBe(false);
      expect(error?.hint).toMatch(/firewall/);
      expect(error?.hint).toMatch(/another network/);
      expect(error?.hint).toMatch(/official flows/);
      expect(error?.hint).not.toMatch(/UPSTOX_ENDPOINT_PROFILE|UPSTOX_CLIENT|UPSTOX_PIN|whitelist/i);
      expect(() => readUpstoxResponse(response, "otp-generate", z.object({}))).toThrow(UpstoxTokenError);
    });
  }

  test("the message names the Cloudflare error and the ray, never the page", () => {
    const error = blockedError(answer(403, CF_PAGE, { "cf-ray": "8a1b-BOM" }), "dialog");
    expect(error?.message).toContain("1010");
    expect(error?.message).toContain("8a1b-BOM");
    expect(error?.message).not.toContain("<html");
  });

  test("JSON answers through Cloudflare, other statuses, and plain 403s are not blocks", () => {
    const json = answer(429, '{"status":"error","errors":[]}', {
      "cf-ray": "x",
      server: "cloudflare",
      "content-type": "application/json",
    });
    expect(isFirewallBlock(json)).toBe(false);
    expect(isFirewallBlock(answer(404, CF_PAGE, { server: "cloudflare" }))).toBe(false);
    expect(isFirewallBlock(answer(403, "<html>Forbidden</html>"))).toBe(false);
  });
});

describe("Retry-After", () => {
  test("seconds and HTTP dates become waitAtLeastMs on RATE_LIMITED", () => {
    expect(retryAfterMs("120")).toBe(120_000);
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterMs("Tue, 01 Dec 2026 10:01:30 GMT", now)).toBe(90_000);
    expect(retryAfterMs("soon")).toBeUndefined();
    const bare = errorFromStatus(429, { step: "token", httpStatus: 429, retryAfter: "30" });
    expect(bare?.code).toBe("RATE_LIMITED");
    expect(bare?.waitAtLeastMs).toBe(30_000);
    const enveloped = errorFromBody(
      { status: "error", errors: [{ errorCode: "UDAPI10005", message: "Too Many Request Sent" }] },
      { step: "profile", httpStatus: 429, retryAfter: "Tue, 01 Dec 2026 10:00:10 GMT", receivedAt: now },
    );
    expect(enveloped?.code).toBe("RATE_LIMITED");
    expect(enveloped?.waitAtLeastMs).toBe(10_000);
    expect(errorFromStatus(429, { step: "token", httpStatus: 429 })?.waitAtLeastMs).toBeUndefined();
  });
});

describe("hints that are true", () => {
  const ctx = { step: "test", httpStatus: 400 };
  test("no endpoint-profile guess on errors that are not about endpoints", () => {
    for (const body of [
      { success: false, error: { code: 1017016, message: "Something went wrong" } },
      { success: false, error: { code: 9999999, message: "new" } },
      { status: "error", errors: [{ errorCode: "UDAPI100036", message: "Invalid Input" }] },
    ]) {
      expect(errorFromBody(body, ctx)?.hint).not.toMatch(/UPSTOX_ENDPOINT_PROFILE|2026-09/);
    }
    expect(errorFromStatus(403, ctx)?.hint).not.toMatch(/UPSTOX_ENDPOINT_PROFILE/);
    expect(errorFromStatus(403, ctx)?.hint).toMatch(/unknown/);
  });

  test("1017074 points to UPSTOX_UCC; UDAPI1155 to the notifier URL in the developer console", () => {
    const several = errorFromBody(
      { success: false, error: { code: 1017074, message: "Multiple accounts" } },
      ctx,
    );
    expect(several?.hint).toMatch(/UPSTOX_UCC/);
    const notifier = errorFromBody(
      { status: "error", errors: [{ errorCode: "UDAPI1155", message: "Notifier URL is not configured" }] },
      ctx,
    );
    expect(notifier?.hint).toMatch(/developer console/);
    expect(notifier?.hint).toMatch(/Notifier URL/);
    expect(notifier?.hint).not.toMatch(/UPSTOX_ENDPOINT_PROFILE/);
  });
});
