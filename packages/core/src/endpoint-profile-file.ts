import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { z } from "zod";
import {
  ENDPOINT_PROFILE_NAMES,
  type EndpointProfile,
  type EndpointProfileOverride,
  endpointProfileOverrideSchema,
  isEndpointProfileName,
  resolveEndpointProfile,
} from "./endpoint-profile.js";
import { ConfigError } from "./errors.js";

/**
 * A profile file (UPSTOX_ENDPOINT_PROFILE=./upstox-endpoints.json): a built-in `base` with the override fields on
 * top, so a user can follow an Upstox change the same morning without waiting for a release.
 */
export const endpointProfileFileSchema = endpointProfileOverrideSchema.extend({
  $schema: z.string().optional().describe("Editors read the JSON Schema from here; ignored."),
  name: z
    .string()
    .regex(/^[\w.+-]{1,64}$/, "must be 1-64 letters, digits, dot, plus, dash or underscore")
    .optional()
    .describe("Shown in logs and by doctor; default: the file's name."),
  base: z
    .enum(
      ENDPOINT_PROFILE_NAMES as [string, ...string[]],
      `must be one of ${ENDPOINT_PROFILE_NAMES.join(", ")}`,
    )
    .optional()
    .describe("The built-in profile the other fields override; default: default."),
});

export type EndpointProfileFile = z.input<typeof endpointProfileFileSchema>;

const FILE_FIX =
  "Fix the file (its JSON Schema ships as @upstox-token/core/endpoint-profile.schema.json; see the README of " +
  '@upstox-token/core, "When Upstox moves the login"), or set UPSTOX_ENDPOINT_PROFILE to a built-in name: ' +
  `${ENDPOINT_PROFILE_NAMES.join(", ")}.`;

/** True when the setting names a file rather than a built-in profile. */
export function isEndpointProfilePath(setting: string): boolean {
  return !isEndpointProfileName(setting);
}

/**
 * Resolves UPSTOX_ENDPOINT_PROFILE (or credentials.endpointProfile): a built-in name, or a path (relative to `cwd`)
 * to a JSON profile file. `override` (UPSTOX_APP_VERSION, config `endpoints`) applies last. Throws a ConfigError
 * naming the file, the field and the fix.
 */
export function loadEndpointProfile(
  setting: string,
  override: EndpointProfileOverride = {},
  cwd: string = process.cwd(),
): EndpointProfile {
  const value = setting.trim() === "" ? "default" : setting.trim();
  if (isEndpointProfileName(value)) return resolveEndpointProfile(value, override);
  if (!/[/\\]|\.json$/i.test(value)) {
    throw new ConfigError(
      `UPSTOX_ENDPOINT_PROFILE must be ${ENDPOINT_PROFILE_NAMES.join(", ")} or a path to a JSON profile file (got "${value}")`,
      { field: "UPSTOX_ENDPOINT_PROFILE", hint: FILE_FIX },
    );
  }
  const file = resolve(cwd, value);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`UPSTOX_ENDPOINT_PROFILE: cannot read the profile file ${file} (${reason})`, {
      file,
      field: "UPSTOX_ENDPOINT_PROFILE",
      hint: "Check the path (relative paths start from the working folder) and the file's permissions.",
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `UPSTOX_ENDPOINT_PROFILE: ${file} is not valid JSON (${(error as Error).message})`,
      { file, field: "UPSTOX_ENDPOINT_PROFILE", hint: FILE_FIX },
    );
  }
  const parsed = endpointProfileFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join(".") || "(file)";
      return { field, message: `${file}: ${field} ${issue.message}` };
    });
    const lines = problems.map((p) => `  - ${p.message}`).join("\n");
    throw new ConfigError(
      problems.length === 1
        ? `UPSTOX_ENDPOINT_PROFILE: ${problems[0]?.message}`
        : `UPSTOX_ENDPOINT_PROFILE: the profile file is invalid:\n${lines}`,
      { file, problems, hint: FILE_FIX },
    );
  }
  const { $schema: _schema, name, base, ...fields } = parsed.data;
  const merged: EndpointProfileOverride = {
    ...fields,
    ...override,
    paths: { ...fields.paths, ...override.paths },
    extraBody: { ...fields.extraBody, ...override.extraBody },
    extraHeaders: { ...fields.extraHeaders, ...override.extraHeaders },
  };
  const baseName = base !== undefined && isEndpointProfileName(base) ? base : "default";
  return resolveEndpointProfile(baseName, merged, name ?? basename(file).replace(/\.json$/i, ""));
}

/** The JSON Schema of a profile file, as shipped in endpoint-profile.schema.json (a test keeps the file current). */
export function endpointProfileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(endpointProfileFileSchema, { io: "input" }),
    title: "upstox-token endpoint profile",
    description:
      "Login-service endpoints for UPSTOX_ENDPOINT_PROFILE=<file>: a built-in base with paths, extra body fields and headers on top.",
  };
}
