/**
 * One alert, as every channel gets it: already redacted, no token, PIN or secret (alert-text builds it and
 * passes every string through the daemon's redactor).
 */
export interface AlertMessage {
  /** Short, ASCII (ntfy sends it in a header). */
  title: string;
  body: string;
  /** "high" for a new problem, "default" for a resolution. */
  priority: "high" | "default";
  /** "problem" or "resolved" (ntfy tags, the email subject). */
  kind: "problem" | "resolved";
}

export interface AlertChannel {
  /** "telegram", "ntfy", "slack", "discord", "email": logs name the channel, never its URL or token. */
  readonly name: string;
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
  close?(): void;
}

/** The one line a person reads first and then the rest. */
export function plainText(message: AlertMessage): string {
  return `${message.title}\n\n${message.body}`;
}

/** A POST whose answer must be 2xx; the error names the channel and the status, never the URL (it holds secrets). */
export async function post(
  channel: string,
  url: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal },
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "user-agent": "upstox-token-daemon", ...init.headers },
      body: init.body,
      signal: init.signal,
      redirect: "error",
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const reason =
      error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")
        ? "timed out"
        : [error instanceof Error ? error.message : String(error), cause].filter(Boolean).join(": ");
    throw new Error(`${channel}: ${reason}`);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new Error(`${channel}: HTTP ${response.status}${text ? ` ${text.slice(0, 200)}` : ""}`);
  }
  return response;
}
