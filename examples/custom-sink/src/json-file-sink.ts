import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  defineSink,
  deserializeRecord,
  type SinkContext,
  SinkError,
  type SinkWriteResult,
  type StoredRecord,
  serializeRecord,
  type TokenRecord,
  type TokenSink,
} from "@upstox-token/core";
import { z } from "zod";

// 1. Options: validated once by upstox-token (config file or `json-file:tokens.json` on the command line).
export const jsonFileSinkOptions = z
  .object({
    path: z.string().min(1),
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, 'mode must be an octal string such as "0600"')
      .default("0600")
      .transform((mode) => Number.parseInt(mode, 8)),
  })
  .strict();

type Options = z.output<typeof jsonFileSinkOptions>;
type TokenFile = Record<string, StoredRecord>;

// Writers of one file in this process take turns, so a read-modify-write never loses another's update.
const queues = new Map<string, Promise<unknown>>();
function inTurn<T>(path: string, task: () => Promise<T>): Promise<T> {
  const run = (queues.get(path) ?? Promise.resolve()).then(task, task);
  queues.set(
    path,
    run.catch(() => {}),
  );
  return run;
}

// 2. The sink: one JSON file, `{ "<account>": <stored record> }`, for another app to read.
export class JsonFileSink implements TokenSink {
  readonly name: string;
  readonly #path: string;
  readonly #mode: number;
  #closed = false;

  constructor(options: Options, context: SinkContext) {
    this.#path = resolve(context.baseDir, options.path);
    this.#mode = options.mode;
    this.name = `json-file:${this.#path}`; // never put a token in the name
  }

  async check(): Promise<void> {
    if (this.#closed) throw new SinkError("SINK_CHECK_FAILED", this.name, "the sink is closed");
    const probe = this.#tempPath();
    try {
      await (await open(probe, "wx", 0o600)).close();
      await rm(probe);
    } catch (error) {
      throw this.#failure("SINK_CHECK_FAILED", `cannot create files in ${dirname(this.#path)}`, error);
    }
    await this.#load("SINK_CHECK_FAILED"); // an unreadable or corrupt file fails now, not at 03:35
  }

  write(record: TokenRecord): Promise<SinkWriteResult> {
    if (this.#closed) return Promise.reject(new SinkError("SINK_FAILED", this.name, "the sink is closed"));
    return inTurn(this.#path, async () => {
      const tokens = await this.#load("SINK_FAILED");
      const stored = tokens[record.account];
      // 3. Never replace a newer token with an older one.
      if (stored && stored.generation > record.generation) {
        return { status: "stale", storedGeneration: stored.generation };
      }
      tokens[record.account] = serializeRecord(record); // the one place the token is revealed
      await this.#save(tokens);
      return { status: "written" };
    });
  }

  async read(account: string): Promise<TokenRecord | null> {
    if (this.#closed) throw new SinkError("SINK_FAILED", this.name, "the sink is closed");
    const stored = (await this.#load("SINK_FAILED"))[account];
    return stored ? deserializeRecord(stored) : null;
  }

  async close(): Promise<void> {
    this.#closed = true; // nothing to release: every write opens and closes its own files
  }

  async #load(code: "SINK_FAILED" | "SINK_CHECK_FAILED"): Promise<TokenFile> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw this.#failure(code, `cannot read ${this.#path}`, error);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
      return parsed as TokenFile;
    } catch {
      // No `cause`: JSON.parse quotes the text it choked on, and that text holds tokens.
      throw new SinkError(code, this.name, `${this.#path} is not a JSON object`, {
        hint: "Fix or delete the file; upstox-token writes it again on the next refresh.",
      });
    }
  }

  // 4. Atomic: a temp file in the same folder (mode set first), fsync, rename over the target.
  async #save(tokens: TokenFile): Promise<void> {
    const temp = this.#tempPath();
    try {
      const handle = await open(temp, "wx", this.#mode);
      try {
        await handle.chmod(this.#mode);
        await handle.writeFile(`${JSON.stringify(tokens, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.#path);
    } catch (error) {
      await rm(temp, { force: true });
      throw this.#failure("SINK_FAILED", `cannot write ${this.#path}`, error);
    }
  }

  #tempPath(): string {
    return join(dirname(this.#path), `.${basename(this.#path)}.${randomBytes(6).toString("hex")}.tmp`);
  }

  // 5. Errors: a SinkError with a code, a message that names the file (never the token) and the fs error as cause.
  #failure(code: "SINK_FAILED" | "SINK_CHECK_FAILED", message: string, cause: unknown): SinkError {
    const reason = (cause as NodeJS.ErrnoException).code ?? "unknown error";
    return new SinkError(code, this.name, `${message}: ${reason}`, {
      cause,
      hint: "Check that the folder exists and the daemon's user may write to it.",
    });
  }
}

// 6. The factory upstox-token loads: `{ kind: "custom-sink-example", path: "tokens.json" }` in the config.
export const jsonFileSink = defineSink({
  kind: "custom-sink-example",
  optionsSchema: jsonFileSinkOptions,
  fromShorthand: (path: string) => ({ path }),
  create: (options, context) => new JsonFileSink(options, context),
});
