import { CONFIG_KEY_VARIABLES } from "@upstox-token/core";
import type { DaemonConfigInput } from "@upstox-token/core/daemon-config";
import { credentialFieldsFor, type InitAnswers, type InitSink } from "./init-answers.js";
import { pathInside, urlHasCredentials } from "./sink-choice.js";

/**
 * What `init` writes, computed without touching the disk: the UPSTOX_* values for .env, the daemon config
 * (which only references them), and the .gitignore lines. Secrets appear in the first only.
 */

/** Redis URLs with a password go to .env as UPSTOX_REDIS_URL (then _2, _3 …); the config references them. */
export function redisUrlVariables(sinks: readonly InitSink[]): Map<InitSink, string> {
  const names = new Map<InitSink, string>();
  for (const sink of sinks) {
    if (sink.kind !== "redis" || !urlHasCredentials(sink.target)) continue;
    names.set(sink, names.size === 0 ? "UPSTOX_REDIS_URL" : `UPSTOX_REDIS_URL_${names.size + 1}`);
  }
  return names;
}

/** The variables `init` owns in .env, in the order they are written when new. */
export function envValuesFor(answers: InitAnswers): Map<string, string> {
  const c = answers.credentials;
  const given: Record<string, string | undefined> = {
    mobile: c.mobile,
    pin: c.pin?.reveal(),
    totpSecret: c.totpSecret?.reveal(),
    clientId: c.clientId,
    clientSecret: c.clientSecret.reveal(),
    redirectUri: c.redirectUri,
  };
  const values = new Map<string, string>();
  for (const field of credentialFieldsFor(answers.flow)) {
    const value = given[field];
    if (value !== undefined) values.set(CONFIG_KEY_VARIABLES[field], value);
  }
  for (const [sink, name] of redisUrlVariables(answers.sinks)) values.set(name, sink.target);
  return values;
}

const ref = (variable: string): string => `\${${variable}}`;

/**
 * The daemon config: every credential is a `${VAR}` reference to .env, so the file holds no secret. Typed by the
 * daemon's own schema (core's daemon-config, which the daemon validates with), so a field the daemon does not
 * know cannot be written; a test parses the output with that schema.
 */
export function daemonConfigFor(answers: InitAnswers): DaemonConfigInput {
  const v = CONFIG_KEY_VARIABLES;
  const app = {
    clientId: ref(v.clientId),
    clientSecret: ref(v.clientSecret),
    redirectUri: ref(v.redirectUri),
  };
  const credentials =
    answers.flow === "totp"
      ? { mobile: ref(v.mobile), pin: ref(v.pin), totpSecret: ref(v.totpSecret), ...app }
      : app;
  const redisVariables = redisUrlVariables(answers.sinks);
  return {
    $schema: "./node_modules/@upstox-token/daemon/upstox-token.config.schema.json",
    accounts: [{ name: answers.account, flow: answers.flow, credentials }],
    sinks: answers.sinks.map((sink) =>
      sink.kind === "redis"
        ? {
            use: "redis",
            options: { url: redisVariables.has(sink) ? ref(redisVariables.get(sink)!) : sink.target },
          }
        : { use: sink.kind, options: { path: sink.target } },
    ),
  };
}

export function renderDaemonConfig(answers: InitAnswers): string {
  return `${JSON.stringify(daemonConfigFor(answers), null, 2)}\n`;
}

/** A .gitignore line and a path to ask `git check-ignore` about (is it ignored already?). */
export interface IgnoreEntry {
  line: string;
  probe: string;
}

/** `.env` and every token file inside the setup folder (SQLite with its -wal/-shm files). */
export function gitignoreEntriesFor(answers: InitAnswers): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [{ line: ".env", probe: ".env" }];
  for (const sink of answers.sinks) {
    if (sink.kind === "redis") continue;
    const inside = pathInside(answers.dir, sink.target);
    if (inside === undefined) continue;
    const entry =
      sink.kind === "sqlite" ? { line: `${inside}*`, probe: inside } : { line: inside, probe: inside };
    if (!entries.some((e) => e.line === entry.line)) entries.push(entry);
  }
  return entries;
}
