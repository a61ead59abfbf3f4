import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a refused upload may keep its connection after the answer went out. */
const GRACE_MS = 1_000;

/**
 * After answering a request whose body is not wanted (too large, or not ours to read): read nothing more, and
 * drop the connection shortly after (the answer says `Connection: close`). Destroying at once would reset the
 * connection before the client saw the answer; draining would read a 50 MB upload.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.once("finish", () => {
    req.pause();
    setTimeout(() => req.destroy(), GRACE_MS).unref?.();
  });
}
