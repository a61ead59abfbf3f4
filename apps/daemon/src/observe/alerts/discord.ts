import { type AlertChannel, type AlertMessage, plainText, post } from "./channel.js";

/** Discord's limit for one message's content. */
const MAX_CONTENT = 2_000;

/** A Discord webhook: POST JSON {content} (answers 204). The URL is a secret. */
export function discordChannel(config: { webhookUrl: string }): AlertChannel {
  return {
    name: "discord",
    async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
      await post("discord", config.webhookUrl, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          content: plainText(message).slice(0, MAX_CONTENT),
          // Never ping @everyone or a role from upstream text.
          allowed_mentions: { parse: [] },
        }),
        signal,
      });
    },
  };
}
