import { IST_OFFSET_MS } from "./expiry.js";

/**
 * The one IST formatter for people (logs, CLI notes, reports); `toIstIso` (expiry.ts) is the machine form.
 * "2026-11-24 03:35:42 IST", or "2026-11-24 03:35 IST" with `seconds: false`.
 */
export function formatIst(ms: number, options: { seconds?: boolean } = {}): string {
  const length = options.seconds === false ? 16 : 19;
  return `${new Date(ms + IST_OFFSET_MS).toISOString().slice(0, length).replace("T", " ")} IST`;
}

/** The same instant in the machine's local time zone, e.g. "2026-11-23 17:05:42 EST". */
export function formatLocal(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  const zone =
    new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
      .formatToParts(d)
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`.trim();
}
