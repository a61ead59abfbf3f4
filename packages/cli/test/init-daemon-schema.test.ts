import { describe, expect, test } from "bun:test";
import { Secret } from "@upstox-token/core";
import { daemonConfigSchema } from "@upstox-token/core/daemon-config";
import { DEMO_APP, DEMO_USER } from "@upstox-token/emulator";
import type { InitAnswers, InitFlow, InitSink } from "../src/init/init-answers.js";
import { envValuesFor, renderDaemonConfig } from "../src/init/setup-files.js";

// `init` writes the daemon's config; the daemon validates it with core's daemon-config schema. The same schema
// types init's output, and here parses it as the daemon would (after putting the .env values in for ${VAR}).

function answers(flow: InitFlow, sinks: InitSink[]): InitAnswers {
  return {
    flow,
    account: "main",
    dir: "/srv/app",
    credentials: {
      ...(flow === "totp"
        ? {
            mobile: DEMO_USER.mobile,
            pin: new Secret(DEMO_USER.pin),
            totpSecret: new Secret(DEMO_USER.totpSecret),
          }
        : {}),
      clientId: DEMO_APP.apiKey,
      clientSecret: new Secret(DEMO_APP.apiSecret),
      redirectUri: DEMO_APP.redirectUri,
    },
    sinks,
  };
}

/** ${VAR} replaced from the values init writes to .env, as the daemon's loader does. */
function interpolated(text: string, env: Map<string, string>): unknown {
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === "string"
      ? value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
          const found = env.get(name);
          if (found === undefined) throw new Error(`init wrote \${${name}} but no value for it`);
          return found;
        })
      : value,
  );
}

describe("init writes a config the daemon's schema accepts", () => {
  const sinkSets: [string, InitSink[]][] = [
    ["env", [{ kind: "env", target: ".env" }]],
    [
      "env + sqlite",
      [
        { kind: "env", target: ".env" },
        { kind: "sqlite", target: "upstox-tokens.db" },
      ],
    ],
    ["redis", [{ kind: "redis", target: "redis://127.0.0.1:6379" }]],
    [
      "redis with a password (a variable reference in the config)",
      [{ kind: "redis", target: "redis://:pw@127.0.0.1:6379" }],
    ],
  ];
  for (const flow of ["totp", "token-request", "browser"] as const) {
    for (const [label, sinks] of sinkSets) {
      test(`${flow} with ${label}`, () => {
        const given = answers(flow, sinks);
        const parsed = daemonConfigSchema.safeParse(
          interpolated(renderDaemonConfig(given), envValuesFor(given)),
        );
        expect(parsed.error?.issues ?? []).toEqual([]);
        expect(parsed.data?.accounts[0]).toMatchObject({ name: "main", flow });
      });
    }
  }

  test("the schema is the daemon's: a field it does not know is refused", () => {
    const given = answers("totp", sinkSets[0]![1]);
    const config = interpolated(renderDaemonConfig(given), envValuesFor(given)) as Record<string, unknown>;
    expect(daemonConfigSchema.safeParse({ ...config, unknownField: 1 }).success).toBe(false);
  });
});
