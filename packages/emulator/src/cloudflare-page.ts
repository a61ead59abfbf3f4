import { randomBytes } from "node:crypto";
import type { FaultSpec } from "./types.js";

/** Cloudflare's "Attention Required" block page (Error 1010: the browser's signature was banned), trimmed. */
export function cloudflareChallengeFault(path: string | RegExp, count = 1): FaultSpec {
  const ray = `${randomBytes(8).toString("hex")}-BOM`;
  const body = [
    "<!DOCTYPE html>",
    '<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head>',
    '<body><div id="cf-wrapper"><h1><span>Error</span> <span>1010</span></h1>',
    "<h2>Access denied</h2><p>The owner of this website (service.upstox.com) has banned your access based on your browser's signature.</p>",
    `<p>Cloudflare Ray ID: <strong>${ray.split("-")[0]}</strong></p></div></body></html>`,
  ].join("\n");
  return {
    path,
    status: 403,
    body,
    headers: { "content-type": "text/html; charset=UTF-8", server: "cloudflare", "cf-ray": ray },
    count,
  };
}

/** How a retired path answers (see ServicePaths). */
export const NOT_FOUND_HTML =
  "<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>" +
  "<p>The requested URL was not found on this server.</p></body></html>";
