import { UpstoxTokenError } from "./errors.js";
import { OFFICIAL_FLOWS_HINT } from "./upstox-errors.js";

/** What a block check needs of an answer (an HttpResponse has it). */
export interface AnswerForBlockCheck {
  status: number;
  headers: Headers;
  text: string;
}

const BLOCK_STATUSES = new Set([403, 429, 503]);
const CHALLENGE_TEXT = /Attention Required|Just a moment|Error\s+10\d\d|cf-chl|challenge-platform/i;

export const BLOCKED_HINT =
  "Upstox's firewall (Cloudflare) is challenging this machine, because of its IP address's reputation or its TLS " +
  "fingerprint; this is not about the credentials or the endpoint profile. Try later or from another network, " +
  `or use the official flows: ${OFFICIAL_FLOWS_HINT}.`;

/**
 * A firewall's challenge page instead of Upstox's answer (spec §15 "Blocks"): an HTML 403/429/503 that names
 * Cloudflare in `Server`, carries `CF-RAY`, or reads "Attention Required", "Just a moment", "Error 10xx". JSON
 * answers are never blocks: Upstox's own 429s pass through Cloudflare too and carry CF-RAY.
 */
export function isFirewallBlock(answer: AnswerForBlockCheck): boolean {
  if (!BLOCK_STATUSES.has(answer.status)) return false;
  const type = answer.headers.get("content-type") ?? "";
  const text = answer.text.trimStart();
  if (type.includes("json") || text.startsWith("{") || text.startsWith("[")) return false;
  const server = answer.headers.get("server") ?? "";
  return (
    /cloudflare/i.test(server) ||
    answer.headers.has("cf-ray") ||
    CHALLENGE_TEXT.test(answer.text) ||
    CHALLENGE_TEXT.test(visibleText(answer.text))
  );
}

/** The page's text without its tags: Cloudflare writes `<span>Error</span> <span>1010</span>`. */
function visibleText(html: string): string {
  return html.slice(0, 20_000).replace(/<[^>]*>/g, " ");
}

/** The BLOCKED error for a challenge page, or null. Not retryable: retrying at once only deepens the block. */
export function blockedError(
  answer: AnswerForBlockCheck,
  step: string,
  url?: string,
): UpstoxTokenError | null {
  if (!isFirewallBlock(answer)) return null;
  const ray = answer.headers.get("cf-ray");
  const code = /Error\s+(10\d\d)/i.exec(visibleText(answer.text))?.[1];
  const host = url ? ` from ${new URL(url).host}` : "";
  return new UpstoxTokenError(
    "BLOCKED",
    `${step}: blocked by Upstox's firewall${host} (HTTP ${answer.status}` +
      `${code ? `, Cloudflare error ${code}` : ""}${ray ? `, CF-RAY ${ray.slice(0, 40)}` : ""})`,
    { httpStatus: answer.status, retryable: false, hint: BLOCKED_HINT },
  );
}
