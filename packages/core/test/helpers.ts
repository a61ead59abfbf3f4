import { DEMO_APP, DEMO_USER, type Emulator } from "@upstox-token/emulator";
import { type Logger, loadConfig, type UpstoxConfig, type UpstoxConfigInput } from "../src/index.js";

/** A config for the demo account against a running emulator; nothing read from the real environment. */
export function demoConfig(emu: Emulator, overrides: Partial<UpstoxConfigInput> = {}): UpstoxConfig {
  return loadConfig({
    env: {},
    envFile: false,
    overrides: {
      mobile: DEMO_USER.mobile,
      pin: DEMO_USER.pin,
      totpSecret: DEMO_USER.totpSecret,
      clientId: DEMO_APP.apiKey,
      clientSecret: DEMO_APP.apiSecret,
      redirectUri: DEMO_APP.redirectUri,
      apiBase: emu.apiBase,
      serviceBase: emu.serviceBase,
      timeoutMs: 5_000,
      ...overrides,
    },
  });
}

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A logger that keeps every line, to assert on what was (and was not) logged. */
export function captureLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (fields: Record<string, unknown>, message?: string): void => {
      lines.push({ level, fields, message });
    };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    text: () => lines.map((l) => `${l.level} ${l.message ?? ""} ${JSON.stringify(l.fields)}`).join("\n"),
  };
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
