import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  DEFAULT_INTERNAL_REDIRECT_URI,
  endpointProfileJsonSchema,
  loadConfig,
  loadEndpointProfile,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "upstox-profile-"));
function profileFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}
function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("UPSTOX_ENDPOINT_PROFILE", () => {
  test("a built-in name, or a file with a base and overrides on top", () => {
    expect(loadEndpointProfile("2026-05").forceInternalRedirect).toBe(true);
    const file = profileFile("moved.json", {
      $schema: "./node_modules/@upstox-token/core/endpoint-profile.schema.json",
      base: "2026-09",
      paths: { generateOtp: "/login/open/v9/auth/1fa/otp/generate" },
      extraBody: { twoFa: { channel: "WEB" } },
      internalRedirectUri: "https://account.upstox.com/",
      forceInternalRedirect: true,
    });
    const profile = loadEndpointProfile(file, { appVersion: "4.1.0" });
    expect(profile.name).toBe("moved");
    expect(profile.paths.generateOtp).toBe("/login/open/v9/auth/1fa/otp/generate");
    expect(profile.paths.twoFa).toBe("/login/open/v4/auth/2fa"); // from the 2026-09 base
    expect(profile.extraBody.generateOtp).toEqual({ countryIsdCode: "+91" });
    expect(profile.extraBody.twoFa).toEqual({ channel: "WEB" });
    expect(profile.twoFaProfileIdInBody).toBe(true);
    expect(profile.appVersion).toBe("4.1.0");
    expect(profile.forceInternalRedirect).toBe(true);
    expect(loadEndpointProfile(profileFile("empty.json", {})).internalRedirectUri).toBe(
      DEFAULT_INTERNAL_REDIRECT_URI,
    );
  });

  test("relative paths start from the working folder; loadConfig takes a file too", () => {
    profileFile("rel.json", { name: "mine", paths: { twoFa: "/login/open/v9/auth/2fa" } });
    expect(loadEndpointProfile("./rel.json", {}, dir).name).toBe("mine");
    const config = loadConfig({ env: { UPSTOX_ENDPOINT_PROFILE: join(dir, "rel.json") }, envFile: false });
    expect(config.endpointProfile.paths.twoFa).toBe("/login/open/v9/auth/2fa");
  });

  test("a bad file: the error names the file, the field and the fix", () => {
    const bad = profileFile("bad.json", { base: "2025", paths: { generateOtp: "v7/generate", pin: "/x" } });
    const error = configError(() => loadEndpointProfile(bad));
    expect(error.file).toBe(bad);
    expect(error.message).toContain(bad);
    expect(error.problems.map((p) => p.field).sort()).toEqual(["base", "paths", "paths.generateOtp"]);
    expect(error.message).toContain("must be a path starting with /");
    expect(error.hint).toContain("endpoint-profile.schema.json");

    const notJson = configError(() => loadEndpointProfile(profileFile("broken.json", "{ paths: ")));
    expect(notJson.message).toContain("not valid JSON");
    const missing = configError(() => loadEndpointProfile(join(dir, "nope.json")));
    expect(missing.message).toContain("ENOENT");
    const unknownName = configError(() => loadEndpointProfile("2019"));
    expect(unknownName.message).toContain("default, 2026-09, 2026-05 or a path");
  });

  test("through loadConfig the file's error comes out whole (exit 2 with file and field)", () => {
    const bad = profileFile("bad2.json", { paths: { verifyOtp: 5 } });
    const error = configError(() => loadConfig({ env: { UPSTOX_ENDPOINT_PROFILE: bad }, envFile: false }));
    expect(error.file).toBe(bad);
    expect(error.field).toBe("paths.verifyOtp");
  });

  test("the shipped JSON Schema is the zod schema's", () => {
    const shipped = JSON.parse(
      readFileSync(join(import.meta.dir, "..", "endpoint-profile.schema.json"), "utf8"),
    );
    // If this fails: bun scripts/write-endpoint-profile-schema.ts
    expect(shipped).toEqual(endpointProfileJsonSchema());
    expect(Object.keys(shipped.properties)).toContain("base");
    expect(shipped.additionalProperties).toBe(false);
  });
});
