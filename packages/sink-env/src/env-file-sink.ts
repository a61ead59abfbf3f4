import { constants } from "node:fs";
import { lstat, open, readlink, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  type Logger,
  Secret,
  type SinkContext,
  SinkError,
  type SinkWriteResult,
  type TokenRecord,
  type TokenSink,
  toIstIso,
  tokenTimes,
} from "@upstox-token/core";
import dotenv from "dotenv";
import { removeLeftoverTempFiles, tempPathFor, writeFileAtomic } from "./atomic-write.js";
import { setEnvValues, UnencodableValueError } from "./env-document.js";
import { LockTimeoutError, withFileLock } from "./file-lock.js";
import { describeFsError } from "./fs-errors.js";
import { runOnChangeHook } from "./on-change-hook.js";
import type { EnvSinkKeys, EnvSinkOptions } from "./options.js";

type SinkErrorCode = "SINK_FAILED" | "SINK_CHECK_FAILED";

interface ExistingFile {
  text: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

/** The keys for one account: as configured, or with the account's prefix when `accountPrefix` is on. */
type AccountKeys = { [K in keyof EnvSinkKeys]: EnvSinkKeys[K] };

/** `main` → `MAIN`, `family-2` → `FAMILY_2`: an environment variable name part. */
export function accountKeyPrefix(account: string): string {
  const prefix = account.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  return /^[0-9]/.test(prefix) ? `_${prefix}` : prefix;
}

/**
 * Keeps an Upstox token in a .env file: updates only its managed keys, in place, atomically and under a
 * cross-process lock, and keeps every other byte of the file (comments, order, quoting, CRLF, `export `).
 */
export class EnvFileSink implements TokenSink {
  readonly name: string;
  /** The absolute path from the options (before following a symlink). */
  readonly path: string;
  readonly #options: EnvSinkOptions;
  readonly #logger: Logger;
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: EnvSinkOptions, context: SinkContext) {
    this.#options = options;
    this.#logger = context.logger;
    this.path = resolve(context.baseDir, options.path);
    this.name = `env:${this.path}`;
  }

  async check(): Promise<void> {
    if (this.#closed) throw new SinkError("SINK_CHECK_FAILED", this.name, "the sink is closed");
    const target = await this.#resolveTarget("SINK_CHECK_FAILED");
    const folder = dirname(target);
    const probe = tempPathFor(target, "check");
    try {
      const handle = await open(probe, "wx", 0o600);
      await handle.close();
      await rm(probe, { force: true });
    } catch (error) {
      throw this.#fsError("SINK_CHECK_FAILED", error, "create files in", folder);
    }
    // Opened for append without writing (and without O_CREAT): proves writability, changes nothing.
    for (const [flags, action] of [
      [constants.O_WRONLY | constants.O_APPEND, "open for writing"],
      [constants.O_RDONLY, "read"],
    ] as const) {
      try {
        await (await open(target, flags)).close();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw this.#fsError("SINK_CHECK_FAILED", error, action, target);
      }
    }
  }

  write(record: TokenRecord): Promise<SinkWriteResult> {
    const pending = this.#write(record);
    this.#inflight.add(pending);
    pending.then(
      () => this.#inflight.delete(pending),
      () => this.#inflight.delete(pending),
    );
    return pending;
  }

  async read(account: string): Promise<TokenRecord | null> {
    if (this.#closed) throw new SinkError("SINK_FAILED", this.name, "the sink is closed; cannot read");
    if (this.#options.account !== undefined && account !== this.#options.account) return null;
    const target = await this.#resolveTarget("SINK_FAILED");
    let existing: ExistingFile | null;
    try {
      existing = await readExisting(target);
    } catch (error) {
      throw this.#fsError("SINK_FAILED", error, "read", target);
    }
    if (!existing) return null;
    const values = dotenv.parse(existing.text);
    const keys = this.#keysFor(account);
    const accessToken = values[keys.accessToken];
    if (!accessToken) return null;
    // A file without the account key (written by hand) is taken to belong to the account asked for.
    const storedAccount = values[keys.account];
    if (storedAccount && storedAccount !== account) return null;
    const derived = tokenTimes(accessToken, existing.mtimeMs);
    const extendedToken = keys.extendedToken ? values[keys.extendedToken] : undefined;
    const revokedAt = parseTime(values[keys.revokedAt]);
    return {
      ...(revokedAt === undefined ? {} : { revokedAt }),
      account,
      generation: parseGeneration(values[keys.generation]) ?? 0,
      accessToken: new Secret(accessToken),
      extendedToken: extendedToken ? new Secret(extendedToken) : undefined,
      profile: { userId: (keys.userId && values[keys.userId]) || "" },
      issuedAt: parseTime(keys.issuedAt && values[keys.issuedAt]) ?? derived.issuedAt,
      expiresAt: parseTime(values[keys.expiresAt]) ?? derived.expiresAt,
      source: "manual",
    };
  }

  /**
   * The accounts whose tokens the file holds, as its account keys name them. A token without an account key
   * (written by hand) belongs to whoever asks, so it names none.
   */
  async accounts(): Promise<string[]> {
    if (this.#closed) throw new SinkError("SINK_FAILED", this.name, "the sink is closed; cannot read");
    const target = await this.#resolveTarget("SINK_FAILED");
    let existing: ExistingFile | null;
    try {
      existing = await readExisting(target);
    } catch (error) {
      throw this.#fsError("SINK_FAILED", error, "read", target);
    }
    if (!existing) return [];
    const values = dotenv.parse(existing.text);
    const accountKey = this.#options.keys.account;
    const named = Object.entries(values)
      .filter(([key]) => (this.#options.accountPrefix ? key.endsWith(`_${accountKey}`) : key === accountKey))
      .map(([, value]) => value)
      .filter((account) => account !== "" && values[this.#keysFor(account).accessToken]);
    return [...new Set(named)].sort();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
  }

  async #write(record: TokenRecord): Promise<SinkWriteResult> {
    if (this.#closed) throw new SinkError("SINK_FAILED", this.name, "the sink is closed; cannot write");
    if (this.#options.account !== undefined && record.account !== this.#options.account) {
      throw new SinkError(
        "SINK_FAILED",
        this.name,
        `this sink stores account "${this.#options.account}" only`,
        {
          hint: `Got a token for account "${record.account}". Give that account its own sink.`,
        },
      );
    }
    const target = await this.#resolveTarget("SINK_FAILED");
    const keys = this.#keysFor(record.account);
    const token = record.accessToken.reveal();
    let outcome: { result: SinkWriteResult; tokenChanged: boolean };
    try {
      outcome = await withFileLock(target, this.#options.lockTimeoutMs, this.#logger, async () => {
        await removeLeftoverTempFiles(target);
        const existing = await readExisting(target);
        const text = existing?.text ?? "";
        const values = dotenv.parse(text);
        const storedAccount = values[keys.account];
        if (storedAccount && storedAccount !== record.account) {
          throw new SinkError("SINK_FAILED", this.name, `the file holds account "${storedAccount}"'s token`, {
            hint: `Got a token for account "${record.account}". Set accountPrefix: true to keep several accounts in one file, or give each account its own file.`,
          });
        }
        const storedGeneration = parseGeneration(values[keys.generation]);
        if (storedGeneration !== undefined && storedGeneration > record.generation) {
          return { result: { status: "stale", storedGeneration }, tokenChanged: false };
        }
        const next = setEnvValues(text, this.#managedValues(record, keys, values));
        const mode = existing && !this.#options.tightenMode ? existing.mode : this.#options.mode;
        if (next !== existing?.text || (existing && existing.mode !== mode)) {
          await writeFileAtomic(target, next, {
            mode,
            owner: existing ? { uid: existing.uid, gid: existing.gid } : undefined,
          });
        }
        this.#warnIfReadableByOthers(target, mode);
        return { result: { status: "written" }, tokenChanged: values[keys.accessToken] !== token };
      });
    } catch (error) {
      throw this.#writeError(error, target);
    }
    if (outcome.tokenChanged && this.#options.onChange) {
      await runOnChangeHook({
        command: this.#options.onChange,
        timeoutMs: this.#options.onChangeTimeoutMs,
        env: {
          UPSTOX_ACCOUNT: record.account,
          UPSTOX_EXPIRES_AT: toIstIso(record.expiresAt),
          UPSTOX_GENERATION: String(record.generation),
          UPSTOX_ENV_FILE: target,
        },
        secrets: [token, record.extendedToken?.reveal() ?? ""],
        logger: this.#logger,
      });
    }
    return outcome.result;
  }

  /** A token in a file the group or others can read is readable by them: say so, with the fix. */
  #warnIfReadableByOthers(target: string, mode: number): void {
    if ((mode & 0o077) === 0) return;
    const shown = `0${(mode & 0o777).toString(8)}`;
    this.#logger.warn(
      { sink: this.name },
      `${target} can be read by ${mode & 0o007 ? "other users" : "its group"} (mode ${shown}) and holds the access token; fix: chmod 600 ${target} (or set the sink's tightenMode: true, on the command line --sink env:<file>?mode=0600)`,
    );
  }

  #managedValues(
    record: TokenRecord,
    keys: AccountKeys,
    stored: Record<string, string>,
  ): Map<string, string> {
    const values = new Map<string, string>([
      [keys.accessToken, record.accessToken.reveal()],
      [keys.expiresAt, toIstIso(record.expiresAt)],
      [keys.generation, String(record.generation)],
      [keys.account, record.account],
    ]);
    // The revocation mark is written only when there is one, and cleared when a new token replaces it.
    if (record.revokedAt !== undefined) values.set(keys.revokedAt, toIstIso(record.revokedAt));
    else if (stored[keys.revokedAt]) values.set(keys.revokedAt, "");
    if (keys.extendedToken) values.set(keys.extendedToken, record.extendedToken?.reveal() ?? "");
    if (keys.userId) values.set(keys.userId, record.profile.userId);
    if (keys.issuedAt) values.set(keys.issuedAt, toIstIso(record.issuedAt));
    return values;
  }

  #keysFor(account: string): AccountKeys {
    const keys = this.#options.keys;
    if (!this.#options.accountPrefix) return keys;
    const prefix = `${accountKeyPrefix(account)}_`;
    const withPrefix = (key: string | undefined) => (key === undefined ? undefined : prefix + key);
    return {
      accessToken: prefix + keys.accessToken,
      expiresAt: prefix + keys.expiresAt,
      generation: prefix + keys.generation,
      account: prefix + keys.account,
      revokedAt: prefix + keys.revokedAt,
      extendedToken: withPrefix(keys.extendedToken),
      userId: withPrefix(keys.userId),
      issuedAt: withPrefix(keys.issuedAt),
    };
  }

  /** The file to replace: `path`, or with followSymlinks the file its link chain ends at. */
  async #resolveTarget(code: SinkErrorCode): Promise<string> {
    let target = this.path;
    for (let hops = 0; hops <= 32; hops++) {
      let info: Awaited<ReturnType<typeof lstat>>;
      try {
        info = await lstat(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return target;
        throw this.#fsError(code, error, "inspect", target);
      }
      if (info.isSymbolicLink()) {
        if (!this.#options.followSymlinks) {
          throw new SinkError(code, this.name, `${this.path} is a symbolic link; refusing to replace it`, {
            hint: "Point path at the real file, or set followSymlinks: true to write through the link.",
          });
        }
        target = resolve(dirname(target), await readlink(target));
        continue;
      }
      if (!info.isFile()) throw new SinkError(code, this.name, `${target} is not a regular file`);
      return target;
    }
    throw new SinkError(code, this.name, `${this.path}: too many levels of symbolic links`);
  }

  #writeError(error: unknown, target: string): SinkError {
    if (error instanceof SinkError) return error;
    if (error instanceof LockTimeoutError) {
      return new SinkError("SINK_FAILED", this.name, error.message, {
        hint: "Another writer holds the lock. Raise lockTimeoutMs; a killed writer's lock goes stale after 10 s.",
        retryable: true,
        cause: error,
      });
    }
    if (error instanceof UnencodableValueError) return new SinkError("SINK_FAILED", this.name, error.message);
    if (error instanceof NotUtf8Error) {
      return new SinkError("SINK_FAILED", this.name, `${target} is not valid UTF-8; refusing to rewrite it`, {
        hint: "Convert the file to UTF-8 (the sink keeps every byte, so it will not guess an encoding).",
      });
    }
    return this.#fsError("SINK_FAILED", error, "write", target);
  }

  #fsError(code: SinkErrorCode, error: unknown, action: string, path: string): SinkError {
    const { reason, hint, retryable } = describeFsError(error);
    const missing = (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
    return new SinkError(code, this.name, `cannot ${action} ${path}: ${reason}`, {
      // The folder by name: whether the path came from a config file or the command line, it is this one.
      hint: missing ? `Create the folder ${dirname(path)}, or fix the path.` : hint,
      retryable,
      cause: error,
    });
  }
}

class NotUtf8Error extends Error {}

async function readExisting(target: string): Promise<ExistingFile | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(target, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const info = await handle.stat();
    const bytes = await handle.readFile();
    const text = bytes.toString("utf8");
    // Decoding invalid UTF-8 replaces bytes; writing that back would change lines the sink does not own.
    if (!Buffer.from(text, "utf8").equals(bytes)) throw new NotUtf8Error();
    return { text, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

function parseGeneration(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** An ISO 8601 date, or epoch seconds / milliseconds. */
function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n < 1e11 ? n * 1000 : n;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
