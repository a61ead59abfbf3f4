import { randomBytes, randomInt } from "node:crypto";

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const MIXED_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64URL = `${MIXED_ALNUM}-_`;
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";

function randomFrom(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** `IND-` plus 24 lowercase alphanumerics, like the login service's internal client ids. */
export const internalClientId = (): string => `IND-${randomFrom(LOWER_ALNUM, 24)}`;
/** The 22-character opaque `user_id` the dialog puts in its Location. */
export const dialogUserId = (): string => randomFrom(BASE64URL, 22);
/** Authorization codes are 6 alphanumerics (`mk404x`, `J4AqmJ`). */
export const authorizationCode = (): string => randomFrom(MIXED_ALNUM, 6);
/** A UCC such as `AB1234`. */
export const ucc = (): string => randomFrom(UPPER, 2) + randomFrom(DIGITS, 4);
export const profileId = (): number => randomInt(10_000_000, 99_999_999);
export const opaqueToken = (bytes = 24): string => randomBytes(bytes).toString("base64url");
export const jwtId = (): string => randomBytes(12).toString("hex");
