import { z } from "zod";
import type { EndpointProfile } from "../endpoint-profile.js";
import { ConfigError } from "../errors.js";
import { unexpectedResponse } from "../upstox-errors.js";

const account = z.object({
  profileId: z.number().int(),
  userId: z.string().min(1),
  isDefault: z.boolean().optional(),
});
export type VerifiedAccount = z.output<typeof account>;

/** R3's `data`: v4 answers `userProfile`, v5 `accounts[]`. */
export const verifyDataSchema = z.object({
  userProfile: account.nullable().optional(),
  accounts: z.array(account).nullable().optional(),
});
export type VerifyData = z.output<typeof verifyDataSchema>;

const UCC_FIX =
  "Set UPSTOX_UCC (daemon: credentials.ucc) to the client id (UCC) of the account to log in to.";

/**
 * The account to log in to. With UPSTOX_UCC, the one with that UCC (anything else is a config error listing what
 * Upstox offers); without it, the only account, and several accounts are a config error listing them: guessing
 * would put a token for the wrong account in the sinks. Failing here costs no PIN.
 */
export function pickAccount(
  data: VerifyData,
  profile: EndpointProfile,
  httpStatus: number,
  ucc?: string,
): VerifiedAccount {
  const listed = data.accounts ?? [];
  const all =
    profile.verifyResponse === "accounts"
      ? [...listed, ...(data.userProfile ? [data.userProfile] : [])]
      : [...(data.userProfile ? [data.userProfile] : []), ...listed];
  const unique = all.filter((a, i) => all.findIndex((b) => b.userId === a.userId) === i);
  if (unique.length === 0) {
    throw unexpectedResponse({ step: "otp-verify", httpStatus }, "no userProfile or accounts[]");
  }
  const ids = unique.map((a) => a.userId).join(", ");
  if (ucc) {
    const chosen = unique.find((a) => a.userId.toUpperCase() === ucc.toUpperCase());
    if (chosen) return chosen;
    throw new ConfigError(`UPSTOX_UCC=${ucc} is not linked to this mobile number; Upstox lists ${ids}`, {
      field: "UPSTOX_UCC",
      hint: `Set UPSTOX_UCC to one of ${ids}, or unset it if the number has one account.`,
    });
  }
  const [only, ...rest] = unique;
  if (only && rest.length === 0) return only;
  throw new ConfigError(
    `Several accounts are linked to this mobile number (${ids}); UPSTOX_UCC chooses one`,
    {
      field: "UPSTOX_UCC",
      hint: UCC_FIX,
    },
  );
}
