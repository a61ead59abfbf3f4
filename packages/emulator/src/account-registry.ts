import * as ids from "./random-ids.js";
import type { EmulatorApp, EmulatorAppInput, EmulatorUser, EmulatorUserInput } from "./types.js";

const INTERNAL_CLIENT_ID = /^IND-[a-z0-9]{24}$/;

export function createApp(input: EmulatorAppInput): EmulatorApp {
  if (!input.apiKey || !input.apiSecret) throw new TypeError("an app needs apiKey and apiSecret");
  if (input.redirectUris.length === 0)
    throw new TypeError(`app ${input.apiKey} needs at least one redirect URI`);
  if (input.internalClientId !== undefined && !INTERNAL_CLIENT_ID.test(input.internalClientId)) {
    throw new TypeError("internalClientId must be IND- followed by 24 lowercase alphanumerics");
  }
  return {
    apiKey: input.apiKey,
    apiSecret: input.apiSecret,
    redirectUris: [...input.redirectUris],
    notifierUrl: input.notifierUrl,
    active: input.active ?? true,
    algoIdInReview: false,
    internalClientId: input.internalClientId ?? ids.internalClientId(),
  };
}

export function createUser(input: EmulatorUserInput): EmulatorUser {
  if (!/^\d{10}$/.test(input.mobile)) throw new TypeError("mobile must be 10 digits, without +91");
  if (!/^[A-Z2-7]+=*$/i.test(input.totpSecret.replace(/\s+/g, ""))) {
    throw new TypeError("totpSecret must be base32");
  }
  if (!/^\d{6}$/.test(input.pin)) throw new TypeError("pin must be 6 digits");
  const userId = input.userId ?? ids.ucc();
  return {
    mobile: input.mobile,
    totpSecret: input.totpSecret,
    pin: input.pin,
    userId,
    profileId: input.profileId ?? ids.profileId(),
    name: input.name ?? "Demo User",
    email: input.email ?? `${userId.toLowerCase()}@example.com`,
    segmentsActive: input.segmentsActive ?? true,
    pinFailures: 0,
    locked: false,
    linkedAccounts: (input.linkedAccounts ?? []).map((a) => ({ userId: a.userId, profileId: a.profileId })),
  };
}
