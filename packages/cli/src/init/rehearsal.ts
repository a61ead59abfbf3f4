import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  createSinkFromSpec,
  type Logger,
  loadConfig,
  loginWithTotp,
  requireCredentials,
  type SinkSpec,
  silentLogger,
  TokenManager,
  type TokenSink,
} from "@upstox-token/core";
import { builtinSinks } from "../builtin-sinks.js";
import { type ErrorReport, toErrorReport } from "../error-report.js";
import { closeSinks } from "../sink-setup.js";
import type { InitAnswers, InitSink } from "./init-answers.js";
import { describeSink } from "./sink-choice.js";

export interface RehearsalSink {
  /** The sink the user chose, e.g. "SQLite upstox-tokens.db". */
  chosen: string;
  /** Where the rehearsal wrote instead: a file in the rehearsal folder, or a throwaway Redis key prefix. */
  wroteTo: string;
  ok: boolean;
  /** false when the rehearsal stopped before this sink got a token (another sink failed its check). */
  attempted: boolean;
  error?: ErrorReport | undefined;
}

export interface RehearsalResult {
  ok: boolean;
  /** The temp folder that holds the rehearsal's token files. Kept, so the user can look; removed when empty. */
  folder: string;
  /** True when nothing was written into `folder`, and it was removed. */
  folderRemoved: boolean;
  /** True when the emulator's demo user logged in (browser/token-request flows ask no login credentials). */
  demoUser: boolean;
  userId?: string | undefined;
  sinks: RehearsalSink[];
  error?: ErrorReport | undefined;
}

/**
 * A dress rehearsal against an in-process emulator: the app and user from the freshly written .env are
 * registered with it, the real headless login runs, and the token goes through the chosen kinds of sink. It
 * must never overwrite a real token, so file sinks write into a new temp folder and Redis gets a throwaway key
 * prefix without PUBLISH. The browser and token-request flows need a person, so there the emulator's demo
 * user logs in through the user's own app (API key, secret, redirect URI).
 */
export async function rehearse(
  answers: InitAnswers,
  options: { envFile: string; logger?: Logger; tempRoot?: string },
): Promise<RehearsalResult> {
  const logger = options.logger ?? silentLogger;
  const folder = await mkdtemp(join(options.tempRoot ?? tmpdir(), "upstox-token-rehearsal-"));
  const { DEMO_USER, startEmulator } = await import("@upstox-token/emulator");
  const emulator = await startEmulator({ seed: false, quiet: true });
  const demoUser = answers.flow !== "totp";
  const usedNames = new Set<string>();
  const planned = answers.sinks.map((sink) => rehearsalSpec(sink, folder, usedNames));
  const sinks: TokenSink[] = [];
  const results: RehearsalSink[] = planned.map((p) => ({
    chosen: p.chosen,
    wroteTo: p.wroteTo,
    ok: false,
    attempted: false,
  }));
  const outcome = (fields: Omit<RehearsalResult, "folder" | "folderRemoved" | "demoUser" | "sinks">) =>
    finish({ ...fields, folder, folderRemoved: false, demoUser, sinks: results });
  try {
    // Only the written .env counts (not this shell's variables): the rehearsal proves the file works.
    const config = requireCredentials(
      loadConfig({
        env: {},
        envFile: options.envFile,
        logger,
        overrides: {
          apiBase: emulator.apiBase,
          serviceBase: emulator.serviceBase,
          ...(demoUser
            ? { mobile: DEMO_USER.mobile, pin: DEMO_USER.pin, totpSecret: DEMO_USER.totpSecret }
            : {}),
        },
      }),
      ["mobile", "pin", "totpSecret", "clientId", "clientSecret", "redirectUri"],
      "the rehearsal",
    );
    emulator.addApp({
      apiKey: config.clientId,
      apiSecret: config.clientSecret.reveal(),
      redirectUris: [config.redirectUri],
    });
    emulator.addUser({
      mobile: config.mobile,
      pin: config.pin.reveal(),
      totpSecret: config.totpSecret.reveal(),
      ...(demoUser ? { userId: DEMO_USER.userId, name: "Demo User" } : {}),
    });

    for (const p of planned) {
      sinks.push(await createSinkFromSpec(p.spec, { builtins: builtinSinks, baseDir: folder, logger }));
    }
    for (const [i, sink] of sinks.entries()) {
      try {
        await sink.check?.();
      } catch (error) {
        results[i]!.error = toErrorReport(error);
        results[i]!.attempted = true;
      }
    }
    if (results.some((r) => r.error)) return await outcome({ ok: false });

    const manager = new TokenManager({ sinks, login: () => loginWithTotp(config, { logger }), logger });
    const refreshed = await manager.refresh(answers.account, { force: true });
    const token = refreshed.record.accessToken.reveal();
    for (const [i, written] of refreshed.sinks.entries()) {
      const result = results[i]!;
      result.attempted = true;
      if (!written.ok) {
        result.error = toErrorReport(written.error);
        continue;
      }
      // Read it back where the sink can: the token the login produced is the one stored.
      const stored = sinks[i]!.read ? await sinks[i]!.read!(answers.account) : undefined;
      result.ok = stored === undefined || stored?.accessToken.reveal() === token;
      if (!result.ok) {
        result.error = {
          code: "SINK_FAILED",
          message: "the token read back differs from the one written",
          exitCode: 1,
        };
      }
    }
    const ok = emulator.isTokenValid(token) && results.every((r) => r.ok);
    return await outcome({ ok, userId: refreshed.record.profile.userId });
  } catch (error) {
    return await outcome({ ok: false, error: toErrorReport(error) });
  } finally {
    await closeSinks(sinks);
    await emulator.close();
  }
}

/** A rehearsal folder nothing was written into is removed rather than pointed at. */
async function finish(result: RehearsalResult): Promise<RehearsalResult> {
  const entries = await readdir(result.folder).catch(() => ["?"]);
  if (entries.length > 0) return result;
  await rmdir(result.folder).catch(() => {});
  return { ...result, folderRemoved: true };
}

interface PlannedSink {
  chosen: string;
  wroteTo: string;
  spec: SinkSpec;
}

function rehearsalSpec(sink: InitSink, folder: string, usedNames: Set<string>): PlannedSink {
  const chosen = describeSink(sink);
  if (sink.kind === "redis") {
    const prefix = `upstox-token-rehearsal:${randomBytes(4).toString("hex")}:`;
    return {
      chosen,
      wroteTo: `Redis keys under ${prefix} (no PUBLISH; they expire with the token)`,
      spec: { use: "redis", options: { url: sink.target, prefix, publish: false } },
    };
  }
  // Two sinks may share a file name (env:.env and env:app/.env): number them apart.
  let name = basename(sink.target);
  for (let n = 2; usedNames.has(name); n++) name = `${n}-${basename(sink.target)}`;
  usedNames.add(name);
  const path = join(folder, name);
  return { chosen, wroteTo: path, spec: { use: sink.kind, options: { path } } };
}
