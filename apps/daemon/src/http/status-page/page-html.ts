import { randomBytes } from "node:crypto";
import type { AccountsReport } from "./account-view.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_STYLE } from "./page-style.js";

export interface StatusPage {
  html: string;
  /** Send as Content-Security-Policy: only this page's own style and script run; nothing is fetched elsewhere. */
  csp: string;
}

/** JSON inside <script type="application/json">: "<" escaped so no account name or message can end the tag. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Fleet mode: jobs per state and who holds which account, as of the page's load (JSON at /v1/accounts). */
function fleetSection(report: AccountsReport): string {
  const fleet = report.fleet;
  if (!fleet) return "";
  const counts = Object.entries(fleet.jobs)
    .map(([state, n]) => `${escapeHtml(state)} ${n}`)
    .join(" · ");
  const active = fleet.active
    .map((a) => `<li>${escapeHtml(a.account)} — ${escapeHtml(a.holder)}</li>`)
    .join("");
  const held = fleet.held.map((h) => `<li>${escapeHtml(h.job)}: ${escapeHtml(h.verdict)}</li>`).join("");
  return `<section id="fleet"><h2>Fleet</h2><p>this daemon: ${escapeHtml(fleet.holder)} · jobs: ${counts}</p>${active ? `<h3>working now</h3><ul>${active}</ul>` : ""}${held ? `<h3>held (need a person)</h3><ul>${held}</ul>` : ""}</section>\n`;
}

/**
 * The page, with the report it starts from. `csrfToken` is this process's token for the "refresh now" button
 * (sent back in a custom header; a page elsewhere can neither read it nor send that header here).
 */
export function renderStatusPage(
  report: AccountsReport,
  options: { csrfToken?: string; canRefresh?: boolean } = {},
): StatusPage {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.canRefresh && options.csrfToken ? `<meta name="upstox-token-csrf" content="${options.csrfToken}">` : ""}
<title>upstox-token status</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<header><h1>upstox-token</h1><span class="summary" id="summary"></span><span class="live" id="live">connecting</span></header>
${fleetSection(report)}<main id="accounts" aria-live="polite"></main>
<noscript><p>This page needs JavaScript to show the accounts; the same data is at <a href="v1/accounts">/v1/accounts</a>.</p></noscript>
<footer>Times in IST (Asia/Kolkata) and in your own time zone. JSON: <a href="v1/accounts">/v1/accounts</a> · <a href="healthz">/healthz</a> · <a href="metrics">/metrics</a></footer>
<script type="application/json" id="initial">${embedJson(report)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
  return { html, csp };
}
