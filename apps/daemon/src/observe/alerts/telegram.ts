import type { AlertsConfig } from "@upstox-token/core/daemon-config";
import { type AlertChannel, type AlertMessage, plainText, post } from "./channel.js";

type TelegramConfig = NonNullable<AlertsConfig["telegram"]>;

/** Telegram's limit for one message's text. */
const MAX_TEXT = 4_096;

/** The Bot API's sendMessage: POST <apiBase>/bot<token>/sendMessage with JSON {chat_id, text}. */
export function telegramChannel(config: TelegramConfig): AlertChannel {
  const url = `${config.apiBase.replace(/\/+$/, "")}/bot${config.botToken}/sendMessage`;
  return {
    name: "telegram",
    async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
      const response = await post("telegram", url, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          chat_id: config.chatId,
          text: plainText(message).slice(0, MAX_TEXT),
          disable_web_page_preview: true,
          // A resolution need not ring.
          disable_notification: message.kind === "resolved",
        }),
        signal,
      });
      const answer = (await response.json().catch(() => null)) as {
        ok?: boolean;
        description?: string;
      } | null;
      if (answer?.ok !== true)
        throw new Error(`telegram: ${answer?.description ?? "the Bot API did not answer ok"}`);
    },
  };
}
