import { blockedError } from "../firewall-block.js";
import type { HttpResponse } from "../http-client.js";
import { errorFromBody, errorFromStatus, unexpectedResponse } from "../upstox-errors.js";
import { responseContext } from "../upstox-response.js";
import type { FlowContext } from "./flow-deps.js";

/** What R1's Location tells the login service: the internal client id, the user id and (maybe) the redirect. */
export interface DialogTarget {
  internalClientId: string;
  userId: string;
  /** The Location's `redirect_uri`, when it has one. */
  internalRedirectUri: string | undefined;
}

/** R1 without following the redirect: the Location names the internal client id, redirect and user id. */
export async function openDialog(ctx: FlowContext, url: string): Promise<DialogTarget> {
  return readDialogAnswer(
    await ctx.http.send({ step: "dialog", method: "GET", url, redirect: "manual" }),
    url,
  );
}

/** R1's answer: the target of its 302, or the typed error (a block, Upstox's envelope, the status). */
export function readDialogAnswer(response: HttpResponse, url: string): DialogTarget {
  const errorCtx = responseContext(response, "dialog");
  const blocked = blockedError(response, "dialog", url);
  if (blocked) throw blocked;
  const location = response.headers.get("location");
  if (response.status >= 300 && response.status < 400 && location) {
    const target = new URL(location, url);
    const internalClientId = target.searchParams.get("client_id");
    const userId = target.searchParams.get("user_id");
    if (!internalClientId || !userId) {
      throw unexpectedResponse(errorCtx, "the dialog redirect has no client_id/user_id");
    }
    return {
      internalClientId,
      userId,
      internalRedirectUri: target.searchParams.get("redirect_uri") ?? undefined,
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  throw (
    errorFromBody(body, errorCtx) ??
    errorFromStatus(response.status, errorCtx) ??
    unexpectedResponse(errorCtx, "expected a redirect to the login page")
  );
}
