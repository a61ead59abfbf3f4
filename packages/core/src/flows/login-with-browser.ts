import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeAfterAnswer } from "@upstox-token/http-body";
import { requireCredentials, type UpstoxConfig } from "../config.js";
import { ConfigError, UpstoxApiError, UpstoxTokenError } from "../errors.js";
import { silentLogger } from "../logger.js";
import { redactorFor, scrubText } from "../redact-config.js";
import type { UpstoxToken } from "../token.js";
import { authorizationUrl } from "./authorization-url.js";
import { type CallbackPage, renderCallbackPage } from "./callback-page.js";
import { exchangeCode } from "./exchange-code.js";
import type { FlowDeps } from "./flow-deps.js";

export const BROWSER_LOGIN_TIMEOUT_MS = 5 * 60_000;

export interface BrowserLoginOptions extends FlowDeps {
  /** Opens the URL in a browser (the CLI passes its `open`); without it, only onUrl is told. */
  open?: (url: string) => void | Promise<void>;
  /** Called with the authorization URL once the callback server listens (print it for the user). */
  onUrl?: (url: string) => void;
  /** How long to wait for the browser; default 5 minutes. */
  timeoutMs?: number;
  /** The `state` to send and expect back; default 16 random bytes. */
  state?: string;
}

const LOCAL_HOSTS = new Map([
  ["localhost", "localhost"],
  ["127.0.0.1", "127.0.0.1"],
  ["[::1]", "::1"],
]);

/** The local address to listen on, from a redirect URI like http://127.0.0.1:8976/callback. */
export function localCallbackAddress(redirectUri: string): { host: string; port: number; path: string } {
  const url = new URL(redirectUri);
  const host = LOCAL_HOSTS.get(url.hostname);
  if (url.protocol !== "http:" || !host || url.port === "") {
    throw new ConfigError(
      `The browser login receives the code on UPSTOX_REDIRECT_URI itself, so it must be http://127.0.0.1:PORT/path, http://localhost:PORT/path or http://[::1]:PORT/path; it is ${url.origin}${url.pathname}.`,
      {
        field: "UPSTOX_REDIRECT_URI",
        hint: "Register e.g. http://127.0.0.1:8976/callback as the app's redirect URL in the Upstox developer console and set UPSTOX_REDIRECT_URI to it (or use the TOTP login).",
      },
    );
  }
  return { host, port: Number(url.port), path: url.pathname };
}

/**
 * The official interactive login: listens on the app's local redirect URI, sends the user's browser to the
 * Upstox dialog with a random `state`, accepts exactly one callback, exchanges its code once, and answers the
 * browser with a short page. A callback with a wrong or missing `state` is answered 400 and the login keeps
 * waiting; only the matching callback or the timeout ends it. No request body is ever read. Rejects with
 * LOGIN_TIMEOUT, LOGIN_ABORTED, UPSTOX_API (Upstox answered without a code) or the exchange's error.
 */
export async function loginWithBrowser(
  config: UpstoxConfig,
  opts: BrowserLoginOptions = {},
): Promise<UpstoxToken> {
  const c = requireCredentials(config, ["clientId", "clientSecret", "redirectUri"], "the browser login");
  const address = localCallbackAddress(c.redirectUri);
  const state = opts.state ?? randomBytes(16).toString("base64url");
  const url = authorizationUrl(c, { state });
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS;

  return new Promise<UpstoxToken>((resolve, reject) => {
    let handled = false;
    let settled = false;
    let strayCallbacks = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    /** `hard`: drop open connections too (timeout, abort); otherwise let the page being written finish. */
    const finish = (error: unknown, token?: UpstoxToken, hard = false) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      server.close();
      if (hard) server.closeAllConnections?.();
      else server.closeIdleConnections?.();
      if (error) reject(error);
      else if (token) resolve(token);
    };

    // What the page shows may come from Upstox (an error message): never let it echo one of our secrets.
    const redactor = redactorFor(c);
    const answer = (res: ServerResponse, status: number, page: CallbackPage) => {
      page = {
        ...page,
        detail: scrubText(page.detail, redactor),
        nextStep: scrubText(page.nextStep, redactor),
      };
      res.writeHead(status, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        connection: "close",
      });
      res.end(renderCallbackPage(page));
    };

    /** Answers without reading the request's body, and drops the connection once the answer is out. */
    const refuse = (req: IncomingMessage, res: ServerResponse, status: number, text: string) => {
      // Whatever the client is still uploading is never read: the socket closes once the answer is out.
      closeAfterAnswer(req, res);
      res.writeHead(status, { "content-type": "text/plain", connection: "close" });
      res.end(text);
    };

    const onCallback = async (req: IncomingMessage, res: ServerResponse) => {
      const callback = new URL(req.url ?? "/", c.redirectUri);
      if (callback.pathname !== address.path) return refuse(req, res, 404, "Not found");
      if (req.method !== "GET") return refuse(req, res, 405, "GET only");
      const params = callback.searchParams;
      if (params.get("state") !== state) {
        // Not this login's answer (an old tab, another program, a forged link): refuse it and keep waiting
        // for the real one, so a stray request cannot end a login the user is in the middle of.
        strayCallbacks++;
        logger.warn(
          { step: "browser", stray: strayCallbacks },
          "browser login: refused a callback with a wrong or missing state; still waiting",
        );
        return answer(res, 400, {
          outcome: "error",
          title: "Login rejected: state mismatch",
          detail:
            "This answer does not belong to the login started from this terminal (its state parameter differs).",
          nextStep: "Use only the link the terminal printed for this login; it is still waiting.",
        });
      }
      if (handled) {
        return answer(res, 409, {
          outcome: "error",
          title: "Login already handled",
          detail: "This login has already received its answer from Upstox.",
          nextStep: "Return to the terminal.",
        });
      }
      handled = true;
      if (timer) clearTimeout(timer);
      const upstoxError = params.get("error");
      const code = params.get("code");
      if (upstoxError || !code) {
        const reason = upstoxError
          ? `${upstoxError}${params.get("error_description") ? `: ${params.get("error_description")}` : ""}`
          : "no code parameter";
        answer(res, 400, {
          outcome: "error",
          title: "Login was not completed",
          detail: `Upstox did not send an authorization code (${reason}).`,
          nextStep: "Start the login again from the terminal.",
        });
        return finish(
          new UpstoxApiError("UPSTOX_API", `browser login: Upstox answered without a code (${reason})`, {
            hint: "Approve the login in the Upstox page; if it keeps failing, check the app in the developer console.",
          }),
        );
      }
      try {
        const { fetch, now, debug, signal, onClockSkew } = opts;
        const token = await exchangeCode(c, code, {
          fetch,
          now,
          logger,
          debug,
          signal,
          onClockSkew,
          source: "browser",
        });
        answer(res, 200, {
          outcome: "success",
          title: "Logged in to Upstox",
          detail: `An access token for ${token.profile.userId} was created; it is valid until 03:30 IST.`,
          nextStep: "Return to the terminal; the token has been handed to upstox-token.",
        });
        finish(null, token);
      } catch (error) {
        const e = error instanceof UpstoxTokenError ? error : undefined;
        answer(res, 502, {
          outcome: "error",
          title: "Login failed at the token exchange",
          detail: e?.message ?? "The authorization code could not be exchanged for a token.",
          nextStep: e?.hint ?? "Start the login again from the terminal.",
        });
        finish(error);
      }
    };

    const server = createServer((req, res) => {
      void onCallback(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
        finish(error);
      });
    });

    const onAbort = () =>
      finish(
        new UpstoxTokenError("LOGIN_ABORTED", "browser login: aborted", {
          cause: opts.signal?.reason,
          hint: "Cancelled.",
        }),
        undefined,
        true,
      );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    server.once("error", (error: NodeJS.ErrnoException) => {
      const busy = error.code === "EADDRINUSE";
      finish(
        new ConfigError(
          busy
            ? `browser login: ${address.host}:${address.port} is already in use, so the callback cannot be received`
            : `browser login: cannot listen on ${address.host}:${address.port}: ${error.message}`,
          {
            field: "UPSTOX_REDIRECT_URI",
            cause: error,
            hint: busy
              ? "Stop the program using that port, or register another local redirect URL (another port) and set UPSTOX_REDIRECT_URI."
              : "Check UPSTOX_REDIRECT_URI.",
          },
        ),
      );
    });

    server.listen(address.port, address.host, () => {
      timer = setTimeout(
        () =>
          finish(
            new UpstoxTokenError(
              "LOGIN_TIMEOUT",
              `browser login: no answer from the browser within ${timeoutMs} ms${
                strayCallbacks > 0
                  ? ` (${strayCallbacks} callback(s) with a wrong or missing state were refused)`
                  : ""
              }`,
              {
                retryable: true,
                hint:
                  strayCallbacks > 0
                    ? "A callback came back with another login's state: complete the login in the tab opened by this run, not an old link."
                    : "Open the printed link, log in and approve within the time limit, or raise the timeout.",
              },
            ),
            undefined,
            true,
          ),
        timeoutMs,
      );
      logger.debug(
        { step: "browser", callback: `${address.host}:${address.port}${address.path}` },
        "waiting for the browser",
      );
      opts.onUrl?.(url);
      if (opts.open) {
        Promise.resolve(opts.open(url)).catch((error: unknown) =>
          logger.warn({ error: String(error) }, "could not open a browser; open the printed URL yourself"),
        );
      }
    });
  });
}
