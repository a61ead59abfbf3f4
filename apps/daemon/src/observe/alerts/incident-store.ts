import { stateLayout } from "@upstox-token/core";
import { readStateFile, writeStateFile } from "@upstox-token/core/internal";
import { z } from "zod";

export type IncidentKind = "login-failing" | "pin-refused" | "blocked" | "rate-limited" | "sink-lagging";

/** One open problem of one account. Never holds a token, PIN or secret: codes, times and sink names. */
export interface Incident {
  account: string;
  kind: IncidentKind;
  openedAt: number;
  /** When the problem message went out; null while it waits for the escalation (the quiet morning). */
  notifiedAt: number | null;
  /** The error code that opened it (WRONG_PIN, NETWORK, BLOCKED…). */
  code: string;
  /** sink-lagging: the sinks behind. */
  sinks?: string[];
  /** rate-limited: no login before this instant. */
  retryAt?: number;
}

interface IncidentFile {
  version: 1;
  incidents: Incident[];
}

/**
 * The open incidents of one Upstox user, in the state folder's `users/<userKey>/incident.json` (0600, by temp
 * file + rename), so a restart neither re-alerts a problem already told nor forgets to say it is resolved.
 * Read through on every use: two accounts of one user, or two daemons, never overwrite each other's incidents
 * with a stale copy (the file is tiny and read only when an event concerns alerts).
 */
export class IncidentStore {
  readonly #path: string;

  constructor(stateDir: string, userKey: string) {
    this.#path = stateLayout.incident(stateDir, userKey);
  }

  get path(): string {
    return this.#path;
  }

  find(account: string, kind: IncidentKind): Incident | undefined {
    return readIncidents(this.#path).find((i) => i.account === account && i.kind === kind);
  }

  list(account: string): Incident[] {
    return readIncidents(this.#path).filter((i) => i.account === account);
  }

  put(incident: Incident): void {
    const others = readIncidents(this.#path).filter(
      (i) => !(i.account === incident.account && i.kind === incident.kind),
    );
    this.#save([...others, incident]);
  }

  remove(account: string, kind: IncidentKind): void {
    const all = readIncidents(this.#path);
    const kept = all.filter((i) => !(i.account === account && i.kind === kind));
    if (kept.length !== all.length) this.#save(kept);
  }

  #save(incidents: Incident[]): void {
    writeStateFile(this.#path, { version: 1, incidents } satisfies IncidentFile);
  }
}

/** The file's shape; entries that are not incidents are dropped, the rest kept as they are. */
const incidentFileSchema = z.object({
  version: z.literal(1),
  incidents: z.array(z.unknown()),
});

function readIncidents(path: string): Incident[] {
  // Missing or unreadable: no open incident (at worst one problem is told again).
  const parsed = readStateFile(path, incidentFileSchema);
  return (parsed?.incidents ?? []).filter(
    (i): i is Incident =>
      typeof (i as Incident | null)?.account === "string" && typeof (i as Incident | null)?.kind === "string",
  );
}
