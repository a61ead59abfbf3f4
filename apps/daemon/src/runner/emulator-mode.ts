import { join } from "node:path";
import { defaultStateDir, type Logger } from "@upstox-token/core";
import type { Emulator } from "@upstox-token/emulator";
import { type DaemonConfig, withEndpoints } from "../config/resolve-config.js";
import { pathOf } from "./paced-fetch.js";

export interface EmulatorMode {
  emulator: Emulator;
  /** Registers the config's apps and users in the emulator and points every account at it. */
  transformConfig: (config: DaemonConfig) => DaemonConfig;
  /** Approves v3 token requests a moment after they are made (there is no phone to approve them on). */
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * --emulator: an in-process Upstox (seeded with the demo app and user). Accounts with other credentials are
 * added to it as they are, so a user can rehearse their real config without touching Upstox.
 */
export async function startEmulatorMode(
  logger: Logger,
  inner: typeof fetch = globalThis.fetch,
): Promise<EmulatorMode> {
  const { startEmulator } = await import("@upstox-token/emulator");
  const emulator = await startEmulator({ quiet: true });
  logger.warn(
    { url: emulator.url },
    "emulator mode: every account logs in to a local emulator, not to Upstox",
  );

  const transformConfig = (config: DaemonConfig): DaemonConfig => {
    for (const account of config.accounts) {
      const u = account.upstox;
      if (u.clientId && u.clientSecret && u.redirectUri) {
        emulator.addApp({
          apiKey: u.clientId,
          apiSecret: u.clientSecret.reveal(),
          redirectUris: [u.redirectUri],
          ...(account.flow === "token-request" || account.fallback.includes("token-request")
            ? { notifierUrl: `http://${account.notifierHost}:${account.notifierPort}/` }
            : {}),
        });
      }
      if (u.mobile && u.pin && u.totpSecret) {
        emulator.addUser({ mobile: u.mobile, pin: u.pin.reveal(), totpSecret: u.totpSecret.reveal() });
      }
    }
    // The emulator starts empty each run and knows no token an earlier run stored: asking it about them would
    // refuse every one, so the start-up check is left to real Upstox.
    return {
      ...withEndpoints(config, { apiBase: emulator.apiBase, serviceBase: emulator.serviceBase }),
      verifyOnStart: false,
    };
  };

  const approving = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await inner(input, init);
    const match = /^\/v3\/login\/auth\/token\/request\/([^/]+)$/.exec(pathOf(input));
    if (match && response.ok) {
      const apiKey = decodeURIComponent(match[1]!);
      setTimeout(() => {
        emulator.approveTokenRequest(apiKey).catch((error: unknown) => {
          logger.warn({ err: String(error) }, "emulator: could not approve the token request");
        });
      }, 200);
    }
    return response;
  };

  return { emulator, transformConfig, fetch: approving as typeof fetch, close: () => emulator.close() };
}

/** --emulator's own state folder (<state>/emulator): never the real account's refused PIN, rate limit or identity. */
export function emulatorStateDir(env: Record<string, string | undefined> = process.env): string {
  return join(defaultStateDir(env), "emulator");
}
