import { z } from "zod";

const httpUrl = (example: string) =>
  z.url({ protocol: /^https?$/, error: `must be an http(s) URL, e.g. "${example}"` });

const secret = (what: string) =>
  z.string().min(1, `must not be empty: write the ${what}, or "\${VAR}" to read it from the environment`);

export const telegramSchema = z
  .strictObject({
    botToken: secret("bot token from @BotFather").describe(
      `The bot's token from @BotFather; write "\${TELEGRAM_BOT_TOKEN}" to keep it out of the file.`,
    ),
    chatId: z
      .union([z.string().min(1), z.number().int()])
      .describe("Your chat with the bot (send it a message, then read chat.id from getUpdates)."),
    apiBase: httpUrl("https://api.telegram.org")
      .default("https://api.telegram.org")
      .describe(
        "The Bot API's address (a local Bot API server, or a test). Default https://api.telegram.org.",
      ),
  })
  .describe("Telegram: sendMessage through a bot you created with @BotFather.");

export const ntfySchema = z
  .strictObject({
    url: httpUrl("https://ntfy.sh")
      .default("https://ntfy.sh")
      .describe("The ntfy server. Default https://ntfy.sh."),
    topic: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-' (ntfy's topic rule)")
      .describe("The topic your phone subscribes to; pick a long random one on the public server."),
    token: secret("access token")
      .optional()
      .describe("An access token (Authorization: Bearer), if the topic is protected."),
  })
  .describe("ntfy: a POST of the text to <url>/<topic>.");

export const webhookChannelSchema = (name: string, example: string) =>
  z
    .strictObject({
      webhookUrl: httpUrl(example).describe(
        `The ${name} incoming-webhook URL; it is a secret: write "\${VAR}" to keep it out of the file.`,
      ),
    })
    .describe(`${name}: an incoming webhook.`);

export const emailSchema = z
  .strictObject({
    smtp: z.strictObject({
      host: z.string().min(1).describe("SMTP server host."),
      port: z.number().int().min(1).max(65_535).default(587).describe("SMTP port. Default 587 (STARTTLS)."),
      secure: z
        .boolean()
        .optional()
        .describe(
          "true: TLS from the first byte (port 465). Default: true on 465, else STARTTLS when offered.",
        ),
      user: z.string().min(1).optional().describe("SMTP user name."),
      pass: secret("SMTP password").optional().describe(`SMTP password; write "\${SMTP_PASS}".`),
    }),
    from: z.string().min(3).describe('Sender, e.g. "upstox-token <alerts@example.com>".'),
    to: z
      .union([z.string().min(3), z.array(z.string().min(3)).min(1)])
      .describe("Recipient address, or a list of them."),
  })
  .describe("Email through SMTP (nodemailer).");

export const alertsSchema = z
  .strictObject({
    telegram: telegramSchema.optional(),
    ntfy: ntfySchema.optional(),
    slack: webhookChannelSchema("Slack", "https://hooks.slack.com/services/T000/B000/XXXX").optional(),
    discord: webhookChannelSchema("Discord", "https://discord.com/api/webhooks/123/abc").optional(),
    email: emailSchema.optional(),
    attempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe("Tries per message and channel before it is logged as lost. Default 3."),
    retryDelayMs: z
      .number()
      .int()
      .min(0)
      .default(2_000)
      .describe("Pause before the second try (doubles after). Default 2000."),
    timeoutMs: z.number().int().min(100).default(10_000).describe("Time limit per send. Default 10000."),
  })
  .describe(
    "Alerts that reach a phone: one message when a problem starts (a login failing, a PIN refused, a block, a rate limit, a sink lagging) and one when it is resolved; never a token, PIN or secret.",
  );

export type AlertsConfig = z.output<typeof alertsSchema>;
