import { type AlertChannel, type AlertMessage, plainText, post } from "./channel.js";

/** A Slack incoming webhook: POST JSON {text}. The URL is a secret. */
export function slackChannel(config: { webhookUrl: string }): AlertChannel {
  return {
    name: "slack",
    async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
      await post("slack", config.webhookUrl, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: plainText(message) }),
        signal,
      });
    },
  };
}
