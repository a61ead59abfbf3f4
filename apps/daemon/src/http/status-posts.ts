import type { IncomingMessage, ServerResponse } from "node:http";
import { readNodeBody } from "@upstox-token/core/internal";
import { json, send } from "./status-answer.js";

/** The largest body a POST to the status server may carry. */
export const MAX_STATUS_BODY_BYTES = 64 * 1024;

/** What a POST's handler answers: a status and a JSON body. */
export type AccountPostHandler = (
  account: string | undefined,
) => Promise<{ status: number; body: unknown }> | { status: number; body: unknown };

/** `{"account":"main"}` (optional with one account) from a bounded body, or an answer already sent. */
async function readAccount(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ account: string | undefined } | null> {
  const body = await readNodeBody(req, MAX_STATUS_BODY_BYTES);
  if (!body.ok) {
    send(req, res, body.status, "application/json", json({ error: body.error }));
    return null;
  }
  if (body.body.length === 0) return { account: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.body.toString("utf8"));
  } catch {
    send(
      req,
      res,
      400,
      "application/json",
      json({ error: 'the body must be JSON such as {"account":"main"}' }),
    );
    return null;
  }
  const given = (parsed as { account?: unknown } | null)?.account;
  if (given !== undefined && (typeof given !== "string" || given.length > 64)) {
    send(req, res, 400, "application/json", json({ error: "account must be an account name (a string)" }));
    return null;
  }
  return { account: given };
}

/** POST /v1/refresh and POST /v1/token/invalid: read the account from the body, answer what the handler says. */
export async function answerAccountPost(
  req: IncomingMessage,
  res: ServerResponse,
  handler: AccountPostHandler,
): Promise<void> {
  const read = await readAccount(req, res);
  if (!read) return;
  const answer = await handler(read.account);
  send(req, res, answer.status, "application/json", json(answer.body));
}
