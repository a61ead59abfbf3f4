import type { FlowDeps, UpstoxConfig } from "@upstox-token/core";

/** At most this many profile calls at once, and starts at least this far apart: Upstox rate-limits per user. */
const CONCURRENCY = 2;
const MIN_INTERVAL_MS = 250;

export interface TokenVerdict {
  ok: boolean;
  /** Upstox refused the token (401 / INVALID_TOKEN): revoked, expired early or never valid. */
  refused: boolean;
  message?: string;
}

/** Asks the profile endpoint about each distinct token, paced and with bounded concurrency. */
export async function verifyTokens(
  tokens: readonly string[],
  config: UpstoxConfig,
  deps: FlowDeps,
): Promise<Map<string, TokenVerdict>> {
  const { getProfile, isUpstoxTokenError } = await import("@upstox-token/core");
  const verdicts = new Map<string, TokenVerdict>();
  let next = 0;
  let lastStart = 0;
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const token = tokens[next++]!;
      const wait = lastStart + MIN_INTERVAL_MS - Date.now();
      if (lastStart > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastStart = Date.now();
      try {
        await getProfile(config, token, deps);
        verdicts.set(token, { ok: true, refused: false });
      } catch (error) {
        const refused = isUpstoxTokenError(error) && error.code === "INVALID_TOKEN";
        verdicts.set(token, {
          ok: false,
          refused,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tokens.length) }, worker));
  return verdicts;
}
