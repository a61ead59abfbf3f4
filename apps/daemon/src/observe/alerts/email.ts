import type { AlertsConfig } from "@upstox-token/core/daemon-config";
import type { AlertChannel, AlertMessage } from "./channel.js";

type EmailConfig = NonNullable<AlertsConfig["email"]>;

/**
 * Email through SMTP with nodemailer (loaded on first use: most daemons alert elsewhere, and every module
 * loaded stays in memory for months).
 */
export function emailChannel(config: EmailConfig, timeoutMs: number): AlertChannel {
  let transport: Promise<import("nodemailer").Transporter> | undefined;
  const transporter = () => {
    transport ??= import("nodemailer").then((nodemailer) =>
      nodemailer.createTransport({
        host: config.smtp.host,
        port: config.smtp.port,
        secure: config.smtp.secure ?? config.smtp.port === 465,
        ...(config.smtp.user ? { auth: { user: config.smtp.user, pass: config.smtp.pass ?? "" } } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      }),
    );
    return transport;
  };
  return {
    name: "email",
    async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
      const mailer = await transporter();
      const sending = mailer.sendMail({
        from: config.from,
        to: Array.isArray(config.to) ? config.to.join(", ") : config.to,
        subject: message.title,
        text: message.body,
        priority: message.priority === "high" ? "high" : "normal",
      });
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new Error("email: timed out"));
        signal.addEventListener("abort", onAbort, { once: true });
        sending.then(
          () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          },
          (error: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(new Error(`email: ${error instanceof Error ? error.message : String(error)}`));
          },
        );
      });
    },
    close(): void {
      void transport?.then((t) => t.close());
    },
  };
}
