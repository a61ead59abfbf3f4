import { describe, expect, test } from "bun:test";
import { generateSync } from "otplib";
import { ConfigError, msUntilNextTotpWindow, parseTotpSecret, Secret, totpNow } from "../src/index.js";

// RFC 6238 Appendix B, SHA-1: the 20-byte ASCII secret "12345678901234567890".
const RFC_SECRET_ASCII = "12345678901234567890";
const RFC_SECRET_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("totpNow (RFC 6238, SHA-1, 30 s)", () => {
  test("the base32 form of the RFC secret is the ASCII secret", () => {
    expect(Buffer.from(RFC_SECRET_ASCII).length).toBe(20);
    expect(parseTotpSecret(RFC_SECRET_BASE32).reveal()).toBe(RFC_SECRET_BASE32);
  });

  for (const [seconds, eightDigits] of RFC_VECTORS) {
    test(`T=${seconds}: 8-digit ${eightDigits}, 6-digit ${eightDigits.slice(2)}`, () => {
      // The 8-digit vector checks otplib with the RFC's own parameters...
      const secret = new TextEncoder().encode(RFC_SECRET_ASCII);
      expect(generateSync({ secret, epoch: seconds, digits: 8 })).toBe(eightDigits);
      // ...and Upstox's 6-digit code is its truncation (mod 10^6), from the base32 secret as users hold it.
      expect(totpNow(new Secret(RFC_SECRET_BASE32), seconds * 1000).code).toBe(eightDigits.slice(2));
    });
  }

  test("secondsLeft counts down to the end of the 30 s window", () => {
    const secret = new Secret(RFC_SECRET_BASE32);
    expect(totpNow(secret, 59_000).secondsLeft).toBe(1);
    expect(totpNow(secret, 60_000).secondsLeft).toBe(30);
    expect(totpNow(secret, 87_500).secondsLeft).toBe(3);
    expect(msUntilNextTotpWindow(88_500)).toBe(1_500);
    expect(msUntilNextTotpWindow(90_000)).toBe(30_000);
  });
});

describe("parseTotpSecret", () => {
  test("accepts lower case, spaces, dashes and padding", () => {
    expect(parseTotpSecret(" gezd gnbv gy3t qojq gezd gnbv gy3t qojq ").reveal()).toBe(RFC_SECRET_BASE32);
    expect(parseTotpSecret("GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ").reveal()).toBe(RFC_SECRET_BASE32);
    expect(parseTotpSecret("JBSWY3DPEHPK3PXP====").reveal()).toBe("JBSWY3DPEHPK3PXP");
  });

  test("accepts an otpauth:// URI and takes its secret", () => {
    const uri = `otpauth://totp/Upstox:AB1234?secret=${RFC_SECRET_BASE32.toLowerCase()}&issuer=Upstox&digits=6&period=30`;
    expect(parseTotpSecret(uri).reveal()).toBe(RFC_SECRET_BASE32);
  });

  test("the parsed secret prints as ***", () => {
    expect(String(parseTotpSecret(RFC_SECRET_BASE32))).toBe("***");
  });

  const bad: [string, string, RegExp][] = [
    ["not base32", "JBSWY3DPEHPK3PX1!", /not base32/],
    ["empty", "   ", /empty/],
    ["too short", "JBSWY3DP", /only 5 bytes/],
    ["hotp URI", `otpauth://hotp/x?secret=${RFC_SECRET_BASE32}&counter=1`, /otpauth:\/\/totp/],
    ["URI without secret", "otpauth://totp/x?issuer=Upstox", /no secret/],
    ["8-digit URI", `otpauth://totp/x?secret=${RFC_SECRET_BASE32}&digits=8`, /6 digits/],
  ];
  for (const [name, input, message] of bad) {
    test(`rejects ${name} with a ConfigError on UPSTOX_TOTP_SECRET`, () => {
      let error: unknown;
      try {
        parseTotpSecret(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe("UPSTOX_TOTP_SECRET");
      expect((error as ConfigError).message).toMatch(message);
      expect((error as ConfigError).hint).toBeTruthy();
    });
  }
});
