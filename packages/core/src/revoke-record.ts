import type { TokenRecord } from "./record.js";
import type { TokenSink } from "./sink.js";

export interface RevokeOutcome {
  sink: string;
  /** "marked": the record now carries revokedAt; "other-token": the sink holds another token (left alone). */
  status: "marked" | "already-revoked" | "other-token" | "missing" | "unreadable" | "failed";
  error?: unknown;
}

/**
 * Marks `accessToken` revoked wherever it is stored for `account`: the record is written again with
 * `revokedAt` and the next generation (so no sink keeps the unrevoked one as newer). A sink holding a
 * different token is left alone: revoking an old token must not hide a newer, valid one.
 */
export async function markRevokedInSinks(
  sinks: readonly TokenSink[],
  account: string,
  accessToken: string,
  now: number,
): Promise<RevokeOutcome[]> {
  return Promise.all(
    sinks.map(async (sink): Promise<RevokeOutcome> => {
      if (typeof sink.read !== "function") return { sink: sink.name, status: "unreadable" };
      try {
        const record = await sink.read(account);
        if (!record) return { sink: sink.name, status: "missing" };
        if (record.accessToken.reveal() !== accessToken) return { sink: sink.name, status: "other-token" };
        if (record.revokedAt !== undefined) return { sink: sink.name, status: "already-revoked" };
        const revoked: TokenRecord = { ...record, generation: record.generation + 1, revokedAt: now };
        const result = await sink.write(revoked);
        return result.status === "written"
          ? { sink: sink.name, status: "marked" }
          : { sink: sink.name, status: "failed", error: new Error(`the sink answered ${result.status}`) };
      } catch (error) {
        return { sink: sink.name, status: "failed", error };
      }
    }),
  );
}
