/** The seeded demo app. A fake account: safe to print and commit. */
export const DEMO_APP = {
  apiKey: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  apiSecret: "demo-secret-5f2b9c",
  redirectUri: "http://127.0.0.1:8976/callback",
} as const;

/** Also registered for the demo app, for browsers that prefer `localhost`. */
export const DEMO_APP_ALT_REDIRECT_URI = "http://localhost:8976/callback";

/** The seeded demo user. */
export const DEMO_USER = {
  mobile: "9876543210",
  totpSecret: "JBSWY3DPEHPK3PXP",
  pin: "123456",
  userId: "DEMO01",
} as const;
