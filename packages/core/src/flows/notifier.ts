import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { UpstoxTokenError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { sendWebResponse, toWebRequest } from "../node-http-bridge.js";
import { createToken, type UpstoxToken } from "../token.js";

const epochMs = z
  .union([z.string().regex(/^\d+$/, "must be epoch milliseconds"), z.number().int()])
  .transform(Number);

/** R10: what Upstox POSTs to the notifier URL once the user approves a token request. */
export const notifierPayloadSchema = z.object({
  client_id: z.string().min(1),
  user_id: z.string().min(1),
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_at: epochMs,
  issued_at: epochMs,
  message_type: z.string().optional(),
});

export interface NotifierHandlerOptions {
  /** Reject deliveries for any other app (403). */
  clientId?: string | undefined;
  now?: (() => number) | undefined;
  logger?: Logger | undefined;
}

export interface NotifierHandler {
  /** A fetch-style handler: mount it in any server (Bun.serve, Hono, node:http via `serveNotifier`). */
  handler: (req: Request) => Promise<Response>;
  /** Resolves with the first valid delivery (source "token-request"). */
  token: Promise<UpstoxToken>;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Receives the R10 webhook: validates it with zod, answers 4xx to anything else, resolves `token` once. */
export function createNotifierHandler(options: NotifierHandlerOptions = {}): NotifierHandler {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  let resolveToken: (token: UpstoxToken) => void = () => {};
  const token = new Promise<UpstoxToken>((resolve) => {
    resolveToken = resolve;
  });
  let delivered = false;

  const handler = async (req: Request): Promise<Response> => {
    if (req.method !== "POST") return json(405, { status: "error", message: "POST only" });
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch {
      return json(400, { status: "error", message: "body is not JSON" });
    }
    const parsed = notifierPayloadSchema.safeParse(body);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(body)"))].join(", ");
      return json(400, { status: "error", message: `invalid payload: ${fields}` });
    }
    const p = parsed.data;
    if (options.clientId !== undefined && p.client_id !== options.clientId) {
      logger.warn({ clientId: p.client_id }, "notifier: delivery for another app rejected");
      return json(403, { status: "error", message: "unknown client_id" });
    }
    if (p.message_type !== undefined && p.message_type !== "access_token") {
      return json(202, { status: "ignored", message: `message_type ${p.message_type} is not handled` });
    }
    if (delivered) return json(200, { status: "ignored", message: "a token was already received" });
    delivered = true;
    logger.info({ userId: p.user_id }, "notifier: access token received");
    resolveToken(
      createToken({
        accessToken: p.access_token,
        profile: { userId: p.user_id },
        receivedAt: now(),
        issuedAt: p.issued_at,
        expiresAt: p.expires_at,
        source: "token-request",
      }),
    );
    return json(200, { status: "success" });
  };

  return { handler, token };
}

export interface ServeNotifierOptions extends NotifierHandlerOptions {
  /** 0 for any free port (see onListening). */
  port: number;
  /** Default 127.0.0.1; use 0.0.0.0 behind a reverse proxy that Upstox can reach. */
  host?: string;
  /** Default "/": only POSTs to this path are read. */
  path?: string;
  /** Called once listening, with the local URL of the webhook. */
  onListening?: (url: string) => void;
  /** Give up after this long (LOGIN_TIMEOUT). Default: wait until the signal aborts. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Serves the notifier on node:http until the first token arrives, then closes and resolves with it. */
export function serveNotifier(options: ServeNotifierOptions): Promise<UpstoxToken> {
  const path = options.path ?? "/";
  const host = options.host ?? "127.0.0.1";
  const { handler, token } = createNotifierHandler(options);
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? "localhost"}`;
    void (async () => {
      try {
        const request = await toWebRequest(req, origin);
        const response =
          new URL(request.url).pathname === path
            ? await handler(request)
            : json(404, { status: "error", message: "not found" });
        // One delivery ends the server: do not keep the connection alive past it.
        res.setHeader("connection", "close");
        await sendWebResponse(res, response);
      } catch {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }
    })();
  });

  return new Promise<UpstoxToken>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: Error | null, value?: UpstoxToken) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // On success the delivering request may still be writing its 200: close only idle connections.
      server.close();
      if (error) server.closeAllConnections?.();
      else server.closeIdleConnections?.();
      if (error) reject(error);
      else if (value) resolve(value);
    };
    const onAbort = () =>
      finish(
        new UpstoxTokenError("LOGIN_ABORTED", "notifier: aborted", { hint: "Cancelled by the caller." }),
      );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    server.once("error", (error) => finish(error));
    server.listen(options.port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      options.onListening?.(`http://${shownHost}:${address.port}${path}`);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            finish(
              new UpstoxTokenError(
                "LOGIN_TIMEOUT",
                `notifier: no token delivered within ${options.timeoutMs} ms`,
                {
                  retryable: true,
                  hint: "Approve the request in the Upstox app or on WhatsApp, and check the app's notifier URL reaches this server.",
                },
              ),
            ),
          options.timeoutMs,
        );
      }
    });
    token.then((value) => finish(null, value));
  });
}
