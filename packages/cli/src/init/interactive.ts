import * as p from "@clack/prompts";
import { parseTotpSecret, totpNow } from "@upstox-token/core";
import { checkCredentials, credentialProblem, type RawCredentials } from "./credential-validation.js";
import {
  type CredentialField,
  DEFAULT_SINK_TARGETS,
  INIT_FLOWS,
  type InitAnswers,
  type InitFlow,
  type InitSink,
  type InitSinkKind,
  SECRET_FIELDS,
} from "./init-answers.js";
import { CREDENTIAL_FLAGS } from "./init-inputs.js";
import { describeSink, sinkTargetCheck } from "./sink-choice.js";

/** Ctrl-C or Escape at a prompt. */
export class InitCancelled extends Error {
  override readonly name = "InitCancelled";
}

export function answered<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw new InitCancelled("cancelled");
  return value as Exclude<T, symbol>;
}

export interface PromptDefaults {
  /** From --flow: not asked again. */
  flow?: InitFlow | undefined;
  /** From flags: not asked again (unless invalid). */
  flagged: RawCredentials;
  /** From the environment or the folder's .env: offered as the answer. */
  known: RawCredentials;
  /** From --sink: not asked again. */
  sinks?: InitSink[] | undefined;
  dir: string;
  account: string;
}

const FLOW_OPTIONS: { value: InitFlow; label: string; hint: string }[] = [
  {
    value: "totp",
    label: "Headless login (mobile, TOTP, PIN)",
    hint: "fully automatic: what the daemon runs daily",
  },
  {
    value: "token-request",
    label: "Token request",
    hint: "you approve on your phone daily; Upstox posts the token to your app's notifier URL",
  },
  { value: "browser", label: "Browser login", hint: "you log in at Upstox in a browser daily" },
];

const APP_NOTE = [
  "Open the Upstox developer apps page (account.upstox.com/developer/apps)",
  "and pick your app, or create one:",
  "- API key and API secret: shown on the app's page.",
  "- Redirect URI: must match the one registered for the app EXACTLY",
  "  (scheme, host, port and path; http://127.0.0.1:8976/callback is a good",
  "  choice for `upstox-token login`).",
].join("\n");

const LOGIN_NOTE = [
  "- Mobile: the number you log in to Upstox with, 10 digits, no +91.",
  "- PIN: your 6-digit Upstox login PIN (not a TOTP code).",
  "- TOTP secret: the key shown when you enable TOTP in Upstox's security",
  '  settings (under "Can\'t scan the QR code?"), in base32, or the full',
  "  otpauth:// URI from the QR code. Add the same key to your authenticator",
  "  app: both then show the same codes.",
].join("\n");

/** The redirect URI the docs, the emulator and `login` use; Enter takes it (it is what the prompt shows). */
const DEFAULT_REDIRECT_URI = "http://127.0.0.1:8976/callback";

/** `placeholder` is a hint shown in an empty field; `defaultValue` is what Enter on an empty field answers. */
const PROMPTS: Record<CredentialField, { message: string; placeholder?: string; defaultValue?: string }> = {
  clientId: { message: "API key (client id)", placeholder: "from the developer apps page" },
  clientSecret: { message: "API secret" },
  redirectUri: {
    message: `Redirect URI (Enter takes ${DEFAULT_REDIRECT_URI})`,
    placeholder: DEFAULT_REDIRECT_URI,
    defaultValue: DEFAULT_REDIRECT_URI,
  },
  mobile: { message: "Mobile number (10 digits, no +91)", placeholder: "98xxxxxxxx" },
  pin: { message: "Upstox login PIN (6 digits)" },
  totpSecret: { message: "TOTP secret (base32 key or otpauth:// URI)" },
};

/** Asks for everything `init` needs, explaining where each value comes from. Throws InitCancelled. */
export async function askAnswers(defaults: PromptDefaults): Promise<InitAnswers> {
  const flow =
    defaults.flow ??
    answered(
      await p.select<InitFlow>({
        message: "How should upstox-token log in to Upstox?",
        options: FLOW_OPTIONS,
        initialValue: "totp",
      }),
    );
  if (!INIT_FLOWS.includes(flow)) throw new Error(`unknown flow ${flow}`);

  const raw: RawCredentials = {};
  p.note(APP_NOTE, "Your Upstox app");
  for (const field of ["clientId", "clientSecret", "redirectUri"] as const) {
    raw[field] = await askCredential(field, defaults);
  }
  if (flow === "totp") {
    p.note(LOGIN_NOTE, "Your Upstox login");
    raw.mobile = await askCredential("mobile", defaults);
    raw.pin = await askCredential("pin", defaults);
    raw.totpSecret = await askTotpSecret(defaults);
  } else if (flow === "token-request") {
    p.log.info(
      "Token request: set your app's notifier URL to where `upstox-token request-token --listen` or the\n" +
        "daemon (port 8977) can be reached; Upstox posts the token there once you approve.",
    );
  }

  const checked = checkCredentials(flow, raw);
  if (!checked.credentials) throw new Error(checked.problems.map((x) => x.message).join("; "));
  const sinks = defaults.sinks ?? (await askSinks());
  return { flow, account: defaults.account, dir: defaults.dir, credentials: checked.credentials, sinks };
}

async function askCredential(field: CredentialField, defaults: PromptDefaults): Promise<string> {
  const flagged = defaults.flagged[field];
  if (flagged !== undefined) {
    const problem = credentialProblem(field, flagged);
    if (problem === undefined) {
      p.log.step(`${PROMPTS[field].message}: from ${CREDENTIAL_FLAGS[field]}`);
      return flagged;
    }
    p.log.warn(`${CREDENTIAL_FLAGS[field]}: ${problem}`);
  }
  const known = defaults.known[field];
  const { message, placeholder, defaultValue } = PROMPTS[field];
  if (SECRET_FIELDS.has(field)) {
    // Masked as typed; an existing value is kept with Enter, never shown.
    const value = answered(
      await p.password({
        message: known === undefined ? message : `${message} (Enter keeps the one already set)`,
        validate: (v) =>
          known !== undefined && (v ?? "") === "" ? undefined : credentialProblem(field, v ?? ""),
      }),
    );
    return value === "" && known !== undefined ? known : value;
  }
  return answered(
    await p.text({
      message,
      ...(placeholder ? { placeholder } : {}),
      ...(defaultValue ? { defaultValue } : {}),
      ...(known !== undefined ? { initialValue: known } : {}),
      // An empty field takes defaultValue when there is one, so it is no mistake.
      validate: (v) =>
        defaultValue !== undefined && (v ?? "") === "" ? undefined : credentialProblem(field, v ?? ""),
    }),
  ).trim();
}

/** Shows the code the secret gives right now, so a mistyped or wrong key shows before the first login. */
async function askTotpSecret(defaults: PromptDefaults): Promise<string> {
  let own: PromptDefaults = defaults;
  for (;;) {
    const secret = await askCredential("totpSecret", own);
    const { code, secondsLeft } = totpNow(parseTotpSecret(secret), Date.now());
    p.log.info(`Current TOTP code: ${code} (valid ${secondsLeft}s more)`);
    const same = answered(
      await p.confirm({
        message: "Does your authenticator app show the same code (or the next one)?",
        initialValue: true,
      }),
    );
    if (same) return secret;
    p.log.warn("Then the key differs from your app's: copy it again from Upstox's TOTP setup.");
    own = { ...defaults, flagged: { ...defaults.flagged, totpSecret: undefined }, known: {} };
  }
}

const SINK_OPTIONS: { value: InitSinkKind; label: string; hint: string }[] = [
  { value: "env", label: ".env file", hint: "UPSTOX_ACCESS_TOKEN for programs that read .env" },
  { value: "sqlite", label: "SQLite file", hint: "one row per token, with history" },
  { value: "redis", label: "Redis", hint: "with expiry and a PUBLISH on change; several machines" },
];

const SINK_TARGET_PROMPTS: Record<InitSinkKind, string> = {
  env: ".env file the token goes to (relative to the setup folder)",
  sqlite: "SQLite file (relative to the setup folder)",
  redis: "Redis URL",
};

async function askSinks(): Promise<InitSink[]> {
  const kinds = answered(
    await p.multiselect<InitSinkKind>({
      message: "Where should the token be stored? (space toggles, enter confirms)",
      options: SINK_OPTIONS,
      initialValues: ["env"],
      required: true,
    }),
  );
  const sinks: InitSink[] = [];
  for (const kind of kinds) {
    const check = await sinkTargetCheck(kind);
    const entered = answered(
      await p.text({
        message: SINK_TARGET_PROMPTS[kind],
        initialValue: DEFAULT_SINK_TARGETS[kind],
        validate: (v) => {
          const result = check(v ?? "");
          return "error" in result ? result.error : undefined;
        },
      }),
    );
    const checked = check(entered);
    sinks.push({ kind, target: "target" in checked ? checked.target : entered.trim() });
  }
  return sinks;
}

export function summary(answers: InitAnswers): string {
  const c = answers.credentials;
  const rows: [string, string][] = [
    ["Flow", answers.flow],
    ["Folder", answers.dir],
    ["API key", c.clientId],
    ["API secret", "***"],
    ["Redirect URI", c.redirectUri],
  ];
  if (answers.flow === "totp") {
    rows.push(
      ["Mobile", `${c.mobile?.slice(0, 2)}******${c.mobile?.slice(-2)}`],
      ["PIN", "***"],
      ["TOTP secret", "***"],
    );
  }
  rows.push(["Sinks", answers.sinks.map(describeSink).join(", ")]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}
