import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { ServiceStep } from "../endpoint-profile.js";

/** What worked for one account: per step, the path (and the profile that defines it) that answered last time. */
export interface RememberedEndpoints {
  /** The configured profile this was learnt under; a change of configuration makes it stale. */
  configuredProfile: string;
  steps: Partial<Record<ServiceStep, { path: string; profile: string }>>;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

/**
 * Where the headless login keeps what the per-step fallback learnt, so the next morning starts with the path
 * that answered instead of spending a request on a retired one. Injectable; FileEndpointMemory is the default.
 */
export interface EndpointMemory {
  recall(account: string): Promise<RememberedEndpoints | undefined>;
  /** `undefined` forgets the account (its configured profile works again). */
  remember(account: string, entry: RememberedEndpoints | undefined): Promise<void>;
}

/** A stable key for an account that does not put the mobile number in the file. */
export function endpointMemoryKey(mobile: string, ucc?: string): string {
  return createHash("sha256")
    .update(`${mobile}|${ucc ?? ""}`)
    .digest("hex")
    .slice(0, 24);
}

const stepEntry = z.object({ path: z.string().regex(/^\/\S*$/), profile: z.string() });
const fileSchema = z.object({
  version: z.literal(1),
  accounts: z.record(
    z.string(),
    z.object({
      configuredProfile: z.string(),
      steps: z
        .object({
          generateOtp: stepEntry,
          verifyOtp: stepEntry,
          twoFa: stepEntry,
          authorize: stepEntry,
        })
        .partial(),
      updatedAt: z.number(),
    }),
  ),
});
type MemoryFile = z.infer<typeof fileSchema>;

/**
 * A small JSON file (mode 0600, written to a temp file and renamed). A missing or unreadable file is an empty
 * memory: the fallback then simply rediscovers the path.
 */
export class FileEndpointMemory implements EndpointMemory {
  constructor(readonly file: string) {}

  async recall(account: string): Promise<RememberedEndpoints | undefined> {
    return (await this.#read()).accounts[account];
  }

  async remember(account: string, entry: RememberedEndpoints | undefined): Promise<void> {
    const data = await this.#read();
    if (entry) data.accounts[account] = entry;
    else if (account in data.accounts) delete data.accounts[account];
    else return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.file);
  }

  async #read(): Promise<MemoryFile> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await readFile(this.file, "utf8")));
      if (parsed.success) return parsed.data;
    } catch {
      // missing or not JSON: start empty
    }
    return { version: 1, accounts: {} };
  }
}

/**
 * The folder for upstox-token's own state: UPSTOX_STATE_DIR, else $XDG_STATE_HOME/upstox-token, else
 * ~/.local/state/upstox-token.
 */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.UPSTOX_STATE_DIR?.trim()) return env.UPSTOX_STATE_DIR.trim();
  const base = env.XDG_STATE_HOME?.trim() || join(env.HOME?.trim() || homedir(), ".local", "state");
  return join(base, "upstox-token");
}

/** The endpoint memory file in a state folder. */
export function endpointMemoryIn(stateDir: string): FileEndpointMemory {
  return new FileEndpointMemory(join(stateDir, "endpoints.json"));
}
