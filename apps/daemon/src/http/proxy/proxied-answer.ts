import type { ServerResponse } from "node:http";
import { downstreamHeaders, type UpstreamAnswer } from "./upstream-request.js";

export function isInvalidTokenBody(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { errors?: { errorCode?: unknown; error_code?: unknown }[] };
    return (parsed.errors ?? []).some((e) => e.error_code === "UDAPI100050" || e.errorCode === "UDAPI100050");
  } catch {
    return false;
  }
}

/** Streams Upstox's answer to the program as it arrives: status, headers (minus hop-by-hop), body. */
export async function sendProxied(answer: UpstreamAnswer, res: ServerResponse, token: string): Promise<void> {
  res.writeHead(answer.status, answer.statusText, downstreamHeaders(answer.headers, token));
  let gone = false;
  res.once("close", () => {
    gone = true;
  });
  try {
    // One chunk behind, so the last one goes out with end(): most answers are a single chunk, sent in one write.
    let held: Uint8Array | undefined;
    for await (const chunk of answer.body) {
      if (gone) {
        answer.abort();
        return;
      }
      // Back-pressure: a slow program slows the read from Upstox instead of filling memory.
      if (held && !res.write(held)) {
        await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
      }
      held = chunk;
    }
    res.end(held);
  } catch (error) {
    // Headers are out: the only honest signal left is a cut connection.
    res.destroy(error as Error);
    throw error;
  }
}
