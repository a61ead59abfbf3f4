import { parseTotpSecret, totpNow } from "../src/index.js";

/** What the user's authenticator app shows right now. */
export function authenticator(totpSecret: string): string {
  return totpNow(parseTotpSecret(totpSecret), Date.now()).code;
}
