import type { AlertsConfig } from "@upstox-token/core/daemon-config";
import { type AlertChannel, type AlertMessage, post } from "./channel.js";

type NtfyConfig = NonNullable<AlertsConfig["ntfy"]>;

/** ntfy: POST <url>/<topic> with the text as the body and Title, Priority and Tags headers. */
export function ntfyChannel(config: NtfyConfig): AlertChannel {
  const url = `${config.url.replace(/\/+$/, "")}/${config.topic}`;
  return {
    name: "ntfy",
    async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
      const headers: Record<string, string> = {
        "content-type": "text/plain; charset=utf-8",
        // Headers are Latin-1: the title is kept ASCII by alert-text; anything else is dropped here.
        Title: message.title.replace(/[^\x20-\x7e]/g, ""),
        Priority: message.priority === "high" ? "high" : "default",
        Tags: message.kind === "problem" ? "warning" : "white_check_mark",
      };
      if (config.token) headers.Authorization = `Bearer ${config.token}`;
      await post("ntfy", url, { headers, body: message.body, signal });
    },
  };
}
