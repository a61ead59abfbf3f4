import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { closeAfterAnswer, MAX_REQUEST_BODY_BYTES, readNodeBody, readWebBody } from "@upstox-token/http-body";
import { z } from "zod";
import type { UpstoxConfig } from "../config.js";
import { ConfigError, UpstoxTokenError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { sendWebResponse } from "../node-http-bridge.js";
import type { UpstoxToken } from "../token.js";
import type { FlowDeps } from "./flow-deps.js";
import { DeliveryRefusedError, verifyDelivery } from "./verify-delivery.js";

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
  /**
   * Required: the app's config (API key, API base, timeouts). Every delivery is checked with Upstox's
   * profile endpoint before it is accepted, because the webhook carries no signature.
   */
  config?: UpstoxConfig | undefined;
  /** Reject deliveries for any other app (403). Default: `config.clientId`. */
  clientId?: string | undefined;
  /** The UCC the token must belong to (403 otherwise). Unknown: the profile's user is recorded. */
  expectedUserId?: string | undefined;
  /** fetch, logger, debug, signal for the profile check. */
  flowDeps?: FlowDeps | undefined;
  now?: (() => number) | undefined;
  logger?: Logger | undefined;
}

export interface NotifierHandler {
  /** A fetch-style handler: mount it in any server (Bun.serve, Hono, node:http via `serveNotifier`). */
  handler: (req: Request) => Promise<Response>;
  /** Resolves with the first verified delivery (source "token-request"). */
  token: Promise<UpstoxToken>;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Profile checks at once; a flood of forged deliveries gets 429 instead of a queue of Upstox calls. */
const MAX_CONCURRENT_VERIFICATIONS = 4;

/**
 * Receives the R10 webhook: validates it with zod, verifies it (client id, Upstox's profile check, user,
 * expiry), answers 4xx to anything else, and resolves `token` once, with the first delivery that passes.
 * A refused delivery is logged without its token and the handler keeps waiting for a good one.
 */
export function createNotifierHandler(options: NotifierHandlerOptions = {}): NotifierHandler {
  const config = options.config;
  const clientId = options.clientId ?? config?.clientId;
  if (!config || !clientId) {
    throw new ConfigError("the notifier needs the app's config to verify deliveries", {
      field: "UPSTOX_CLIENT_ID",
      hint: "Pass { config } (with clientId) to createNotifierHandler / serveNotifier: every delivery is checked with Upstox before it is trusted.",
    });
  }
  const now = options.now ?? options.flowDeps?.now ?? Date.now;
  const logger = options.logger ?? options.flowDeps?.logger ?? silentLogger;
  const deps: FlowDeps = { ...options.flowDeps, now, logger };
  let resolveToken: (token: UpstoxToken) => void = () => {};
  const token = new Promise<UpstoxToken>((resolve) => {
    resolveToken = resolve;
  });
  let delivered = false;
  let verifying = 0;

  const handler = async (req: Request): Promise<Response> => {
    if (req.method !== "POST") return json(405, { status: "error", message: "POST only" });
    const read = await readWebBody(req, MAX_REQUEST_BODY_BYTES);
    if (!read.ok) {
      if (read.status === 413) {
        logger.warn({ limit: MAX_REQUEST_BODY_BYTES }, "notifier: oversized delivery refused");
      }
      return json(read.status, { status: "error", message: read.error });
    }
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString("utf8"));
    } catch {
      return json(400, { status: "error", message: "body is not JSON" });
    }
    const parsed = notifierPayloadSchema.safeParse(body);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(body)"))].join(", ");
      return json(400, { status: "error", message: `invalid payload: ${fields}` });
    }
    const p = parsed.data;
    if (p.message_type !== undefined && p.message_type !== "access_token") {
      return json(202, { status: "ignored", message: `message_type ${p.message_type} is not handled` });
    }
    if (delivered) return json(200, { status: "ignored", message: "a token was already received" });
    if (verifying >= MAX_CONCURRENT_VERIFICATIONS) {
      return json(429, { status: "error", message: "too many deliveries at once" });
    }
    verifying++;
    let verified: UpstoxToken;
    try {
      verified = await verifyDelivery(p, config, { clientId, userId: options.expectedUserId }, deps);
    } catch (error) {
      if (!(error instanceof DeliveryRefusedError)) throw error;
      logger.warn(
        { status: error.status, reason: error.reason, userId: p.user_id, clientId: p.client_id },
        "notifier: delivery refused; still waiting for a valid one",
      );
      return json(error.status, { status: "error", message: error.reason });
    } finally {
      verifying--;
    }
    if (delivered) return json(200, { status: "ignored", message: "a token was already received" });
    delivered = true;
    logger.info({ userId: verified.profile.userId }, "notifier: access token received and verified");
    resolveToken(verified);
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

/**
 * Serves the notifier on node:http until the first verified token arrives, then closes and resolves with it.
 * Bodies are capped at 64 KiB; other paths and methods are answered without reading their body.
 */
export function serveNotifier(options: ServeNotifierOptions): Promise<UpstoxToken> {
  const path = options.path ?? "/";
  const host = options.host ?? "127.0.0.1";
  let created: NotifierHandler;
  try {
    created = createNotifierHandler(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const { handler, token } = created;
  const logger = options.logger ?? options.flowDeps?.logger ?? silentLogger;
  const server = createServer((req, res) => {
    // One delivery ends the server: do not keep connections alive past it.
    res.setHeader("connection", "close");
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://localhost");
        // Anything but a POST to the webhook's path is answered without reading its body.
        if (url.pathname !== path)
          return await sendWebResponse(res, json(404, { status: "error", message: "not found" }));
        if (req.method !== "POST")
          return await sendWebResponse(res, json(405, { status: "error", message: "POST only" }));
        const read = await readNodeBody(req, MAX_REQUEST_BODY_BYTES);
        if (!read.ok) {
          if (read.status === 413) {
            logger.warn({ limit: MAX_REQUEST_BODY_BYTES }, "notifier: oversized delivery refused");
          }
          // Stop the upload once the answer is out: what is still in flight is dropped, never buffered.
          closeAfterAnswer(req, res);
          await sendWebResponse(res, json(read.status, { status: "error", message: read.error }));
          return;
        }
        const body = read.body;
        const headers = new Headers();
        const type = req.headers["content-type"];
        if (typeof type === "string") headers.set("content-type", type);
        const request = new Request(new URL(url.pathname + url.search, "http://localhost"), {
          method: "POST",
          headers,
          body: new Uint8Array(body),
        });
        await sendWebResponse(res, await handler(request));
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
