import { CONFIG_KEY_VARIABLES, ConfigError, type ConfigProblem } from "@upstox-token/core";
import { checkCredentials } from "./credential-validation.js";
import {
  type CredentialField,
  credentialFieldsFor,
  type InitAnswers,
  type InitCredentials,
  type InitSink,
} from "./init-answers.js";
import {
  CREDENTIAL_FLAGS,
  describeInput,
  environmentValues,
  flagValues,
  type InitOptions,
} from "./init-inputs.js";
import { parseSinkChoice, redactPasswords, sinkTargetCheck } from "./sink-choice.js";

/**
 * Non-interactive `init` (--yes, or no terminal): every value comes from a flag, else the environment, else
 * the .env file already in the folder. Throws one ConfigError (exit 2) naming every missing or bad input.
 */
export async function answersFromFlags(input: {
  options: InitOptions;
  dir: string;
  /** The real environment over the folder's existing .env. */
  env: Record<string, string | undefined>;
}): Promise<InitAnswers> {
  const { options } = input;
  const flow = options.flow ?? "totp";
  const given = { ...environmentValues(input.env), ...flagValues(options) };

  const problems: ConfigProblem[] = [];
  const missing = credentialFieldsFor(flow).filter((field) => given[field] === undefined);
  for (const field of missing) {
    problems.push({
      field: CREDENTIAL_FLAGS[field],
      message: `${describeInput(field)} is required for the ${flow} flow`,
    });
  }
  let credentials: InitCredentials | undefined;
  const checked = checkCredentials(flow, given);
  if (checked.credentials) credentials = checked.credentials;
  for (const problem of checked.problems) {
    const field = fieldOfVariable(problem.field);
    if (field && missing.includes(field)) continue;
    problems.push(
      field
        ? { field: CREDENTIAL_FLAGS[field], message: `${problem.message} (${CREDENTIAL_FLAGS[field]})` }
        : problem,
    );
  }

  const sinks: InitSink[] = [];
  for (const spec of options.sink ?? ["env"]) {
    const choice = parseSinkChoice(spec);
    if ("error" in choice) {
      problems.push({ field: "--sink", message: choice.error });
      continue;
    }
    const target = (await sinkTargetCheck(choice.kind))(choice.target);
    if ("error" in target)
      problems.push({ field: "--sink", message: `--sink ${redactPasswords(spec)}: ${target.error}` });
    else sinks.push({ kind: choice.kind, target: target.target });
  }

  if (problems.length > 0 || !credentials) {
    const lines = problems.map((p) => `  - ${p.message}`).join("\n");
    throw new ConfigError(problems.length === 1 ? problems[0]!.message : `init cannot go on:\n${lines}`, {
      problems,
      hint:
        "Pass the values as flags or set the UPSTOX_* variables (prefer variables for the PIN and secrets: " +
        "flags show in the process list), or run `upstox-token init` in a terminal to be asked.",
    });
  }
  return { flow, account: options.account, dir: input.dir, credentials, sinks };
}

function fieldOfVariable(variable: string): CredentialField | undefined {
  return (Object.keys(CONFIG_KEY_VARIABLES) as (keyof typeof CONFIG_KEY_VARIABLES)[]).find(
    (key): key is CredentialField => CONFIG_KEY_VARIABLES[key] === variable && key in CREDENTIAL_FLAGS,
  );
}
