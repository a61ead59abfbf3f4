import { describe, expect, test } from "bun:test";
import { Secret } from "../src/secret.js";
import { SecretRedactor } from "../src/secret-redactor.js";

describe("SecretRedactor", () => {
  const pin = "482913";
  const totp = "JBSWY3DPEHPK3PXP";
  const clientSecret = "s3cr3t/with+chars";
  const redactor = new SecretRedactor([pin, new Secret(totp), clientSecret, undefined]);

  test("masks each value, the PIN's base64 and URL-encoded forms", () => {
    const text = `pin ${pin} b64 ${Buffer.from(pin).toString("base64")} totp ${totp} secret ${encodeURIComponent(clientSecret)} raw ${clientSecret}`;
    const out = redactor.redact(text);
    expect(out).not.toContain(pin);
    expect(out).not.toContain(Buffer.from(pin).toString("base64"));
    expect(out).not.toContain(totp);
    expect(out).not.toContain(clientSecret);
    expect(out).not.toContain(encodeURIComponent(clientSecret));
    expect(out).toBe("pin *** b64 *** totp *** secret *** raw ***");
  });

  test("leaves text without secrets alone and ignores short values", () => {
    const r = new SecretRedactor(["ab", ""]);
    expect(r.size).toBe(0);
    expect(r.redact("about abc")).toBe("about abc");
  });

  test("masks a long value whole even when it contains a shorter one", () => {
    const r = new SecretRedactor(["abcd", "xxabcdyy"]);
    expect(r.redact("token xxabcdyy")).toBe("token ***");
  });

  test("overlapping secrets are masked as one span: no piece of either is left", () => {
    const r = new SecretRedactor(["abcdef", "cdefghij"]);
    expect(r.redact("x abcdefghij y")).toBe("x *** y");
    expect(r.redact("abcdef and cdefghij")).toBe("*** and ***");
  });

  test("thousands of values (a daemon with 500 accounts): every one is masked", () => {
    const values = Array.from({ length: 3000 }, (_, i) => `secret-${i.toString(36).padStart(4, "0")}-value`);
    const r = new SecretRedactor(values);
    const text = values.filter((_, i) => i % 97 === 0).join(" | ");
    const out = r.redact(text);
    for (const value of values) expect(out).not.toContain(value);
    expect(out.split("***").length - 1).toBe(values.filter((_, i) => i % 97 === 0).length);
  });

  test("redactDeep walks objects and arrays", () => {
    const out = redactor.redactDeep({ a: [`x ${pin}`, 3], b: { c: totp }, d: null });
    expect(out).toEqual({ a: ["x ***", 3], b: { c: "***" }, d: null });
  });

  test("merge keeps both sets", () => {
    const merged = new SecretRedactor(["first-secret"]).merge(new SecretRedactor(["second-secret"]));
    expect(merged.redact("first-secret second-secret")).toBe("*** ***");
  });
});
