import { randomInt } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const CHROME_UA =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

function randomAlnum(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** `WPRO-<10 alnum>`: one per login, sent as X-Request-ID and as R5's `requestId` (batpool does the same). */
export function newRequestId(): string {
  return `WPRO-${randomAlnum(10)}`;
}

/** X-Device-Details as the login SPA sends it; Upstox gates on `platform=WEB` and the `appVersion` (1017072). */
export function deviceDetails(appVersion: string, deviceId: string = randomAlnum(20)): string {
  return [
    "platform=WEB",
    "osName=Mac OS/10.15.7",
    "osVersion=Chrome/140.0.0.0",
    `appVersion=${appVersion}`,
    "modelName=Chrome",
    "manufacturer=Apple",
    `uuid=${deviceId}`,
    `userAgent=Upstox 3.0 ${CHROME_UA}`,
  ].join("|");
}

/** The browser-like headers of spec §4 for the login-service calls (R2–R5). */
export function serviceHeaders(input: {
  requestId: string;
  appVersion: string;
  deviceId?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    accept: "*/*",
    "accept-language": "en-GB,en;q=0.9",
    "content-type": "application/json",
    origin: "https://login.upstox.com",
    referer: "https://login.upstox.com/",
    "sec-ch-ua": '"Chromium";v="140", "Not=A?Brand";v="24", "Google Chrome";v="140"',
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": '"macOS"',
    "sec-fetch-dest": "empty",
    "sec-fetch-mode": "cors",
    "sec-fetch-site": "same-site",
    "user-agent": CHROME_UA,
    "x-device-details": deviceDetails(input.appVersion, input.deviceId),
    "x-request-id": input.requestId,
    ...input.extra,
  };
}
