import { afterEach, describe, expect, test } from "bun:test";
import { silentLogger } from "@upstox-token/core";
import { alertsSchema } from "@upstox-token/core/daemon-config";
import { alertChannels } from "../src/observe/alerts/attach-alerts.js";
import type { AlertMessage } from "../src/observe/alerts/channel.js";
import { AlertDelivery } from "../src/observe/alerts/deliver.js";
import { captureServer, fakeBotApi, smtpServer } from "./support/capture-server.js";

const message: AlertMessage = {
  title: "upstox-token: main: PIN refused",
  body: "What happened: ...\nWhat the daemon does: ...\nWhat you can do: fix the PIN and reload",
  priority: "high",
  kind: "problem",
};
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function deliveryFor(raw: unknown, attempts = 1) {
  const config = alertsSchema.parse({ ...(raw as object), attempts, retryDelayMs: 1 });
  return new AlertDelivery(alertChannels(config), {
    attempts,
    retryDelayMs: 1,
    timeoutMs: 5_000,
    logger: silentLogger,
  });
}

describe("alert channels speak each API's real request shape", () => {
  test("Telegram: POST /bot<token>/sendMessage, JSON {chat_id, text}; the Bot API answers ok", async () => {
    const token = "123456:ABC-telegram-test-token";
    const api = await fakeBotApi(token);
    closers.push(api.close);
    const delivery = deliveryFor({ telegram: { botToken: token, chatId: 4242, apiBase: api.url } });
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request).toMatchObject({ method: "POST", path: `/bot${token}/sendMessage` });
    expect(request!.headers["content-type"]).toStartWith("application/json");
    const body = JSON.parse(request!.body);
    expect(body.chat_id).toBe(4242);
    expect(body.text).toBe(`${message.title}\n\n${message.body}`);
    expect(delivery.counts).toEqual({ sent: 1, lost: 0 });
  });

  test("ntfy: POST <url>/<topic> with the text body and Title, Priority, Tags, Authorization", async () => {
    const server = await captureServer();
    closers.push(server.close);
    const delivery = deliveryFor({
      ntfy: { url: server.url, topic: "upstox-alerts_42", token: "tk_secret123" },
    });
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    const [request] = server.requests;
    expect(request).toMatchObject({ method: "POST", path: "/upstox-alerts_42", body: message.body });
    expect(request!.headers.title).toBe(message.title);
    expect(request!.headers.priority).toBe("high");
    expect(request!.headers.tags).toBe("warning");
    expect(request!.headers.authorization).toBe("Bearer tk_secret123");
  });

  test("Slack: POST the webhook URL with JSON {text}; Discord: JSON {content} (204)", async () => {
    const slack = await captureServer(() => ({ status: 200, body: "ok", type: "text/plain" }));
    const discord = await captureServer(() => ({ status: 204 }));
    closers.push(slack.close, discord.close);
    const delivery = deliveryFor({
      slack: { webhookUrl: `${slack.url}/services/T000/B000/XXXX` },
      discord: { webhookUrl: `${discord.url}/api/webhooks/123/abc` },
    });
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    expect(slack.requests[0]).toMatchObject({ method: "POST", path: "/services/T000/B000/XXXX" });
    expect(slack.requests[0]!.headers["content-type"]).toStartWith("application/json");
    expect(JSON.parse(slack.requests[0]!.body)).toEqual({ text: `${message.title}\n\n${message.body}` });
    expect(discord.requests[0]).toMatchObject({ method: "POST", path: "/api/webhooks/123/abc" });
    const content = JSON.parse(discord.requests[0]!.body);
    expect(content.content).toBe(`${message.title}\n\n${message.body}`);
    expect(content.allowed_mentions).toEqual({ parse: [] });
    expect(delivery.counts).toEqual({ sent: 2, lost: 0 });
  });

  test("email: SMTP through nodemailer to a local server (EHLO, MAIL FROM, RCPT TO, DATA)", async () => {
    const smtp = await smtpServer();
    closers.push(smtp.close);
    const delivery = deliveryFor({
      email: {
        smtp: { host: "127.0.0.1", port: smtp.port, secure: false },
        from: "upstox-token <alerts@example.test>",
        to: ["me@example.test", "other@example.test"],
      },
    });
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    delivery.close();
    expect(delivery.counts).toEqual({ sent: 1, lost: 0 });
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail!.from).toBe("alerts@example.test");
    expect(mail!.to).toEqual(["me@example.test", "other@example.test"]);
    expect(mail!.data).toContain(`Subject: ${message.title}`);
    expect(mail!.data).toContain("fix the PIN and reload");
  });

  test("a failing channel is retried a bounded number of times, then given up; the others still get it", async () => {
    const broken = await captureServer(() => ({ status: 500, body: "boom" }));
    const slack = await captureServer();
    closers.push(broken.close, slack.close);
    const delivery = deliveryFor(
      {
        discord: { webhookUrl: `${broken.url}/api/webhooks/1/x` },
        slack: { webhookUrl: `${slack.url}/services/a/b/c` },
      },
      3,
    );
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    expect(broken.requests).toHaveLength(3);
    expect(slack.requests).toHaveLength(1);
    expect(delivery.counts).toEqual({ sent: 1, lost: 1 });
  });

  test("a refused Telegram answer ({ok:false}) counts as a failure", async () => {
    const api = await fakeBotApi("right:token");
    closers.push(api.close);
    const delivery = deliveryFor({ telegram: { botToken: "wrong:token", chatId: "1", apiBase: api.url } }, 2);
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    expect(api.requests).toHaveLength(2);
    expect(delivery.counts).toEqual({ sent: 0, lost: 1 });
  });

  test("a channel that cannot be reached is logged by name, never with its URL or token", async () => {
    const closed = await captureServer();
    await closed.close();
    const lines: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (fields: Record<string, unknown>, message?: string) =>
        lines.push(JSON.stringify({ fields, message })),
      error: (fields: Record<string, unknown>, message?: string) =>
        lines.push(JSON.stringify({ fields, message })),
    };
    const token = "424242:secret-bot-token-zzzz";
    const config = alertsSchema.parse({
      telegram: { botToken: token, chatId: 1, apiBase: closed.url },
      slack: { webhookUrl: `${closed.url}/services/T1/B1/slacksecret` },
    });
    const delivery = new AlertDelivery(alertChannels(config), {
      attempts: 2,
      retryDelayMs: 1,
      timeoutMs: 2_000,
      logger,
    });
    delivery.enqueue(message, { account: "main", kind: "pin-refused" });
    await delivery.settled();
    expect(delivery.counts).toEqual({ sent: 0, lost: 2 });
    expect(lines.some((l) => l.includes('"channel":"telegram"'))).toBe(true);
    expect(lines.some((l) => l.includes('"channel":"slack"'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain("slacksecret");
    }
  });
});
