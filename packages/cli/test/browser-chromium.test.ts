import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { Secret, totpNow } from "@upstox-token/core";
import { DEMO_USER, type Emulator, startEmulator } from "@upstox-token/emulator";
import type { Page } from "playwright-core";
import { emulatorEnv, freePort } from "./support/emulator-env.js";
import {
  findChromium,
  type HeadlessChromium,
  launchChromium,
  screenshotFolder,
  scrollsSideways,
  spawnLauncher,
} from "./support-browser-chromium.js";

// The browser login as a person meets it: `upstox-token login` waits on its local callback, a real (headless)
// Chromium opens the printed URL, a person types into the emulator's login page, and the callback page
// ends the visit. Screenshots land in packages/cli/test-output/browser-chromium/ for a human to look at.

const found = findChromium();
const CHROMIUM = "path" in found ? found.path : undefined;
if (!CHROMIUM) {
  console.warn(
    [
      "",
      `!!! browser-chromium.test.ts SKIPPED: ${"missing" in found ? found.missing : ""}.`,
      "!!! The browser login is NOT tested in a real browser on this machine.",
      "!!! Install Debian's Chromium (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.",
      "",
    ].join("\n"),
  );
}
const browserTest = CHROMIUM ? test : test.skip;
// Launching Chromium and a CLI per test takes seconds; the whole file stays well under a minute.
setDefaultTimeout(30_000);

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let emulator: Emulator;
let browser: HeadlessChromium;
let shots = "";
/** CLIs still waiting when a test fails early; ended in afterAll rather than left to their own timeout. */
const clis: Array<ReturnType<typeof spawnLauncher>> = [];

beforeAll(async () => {
  if (!CHROMIUM) return;
  shots = screenshotFolder();
  emulator = await startEmulator({ otpRateLimit: null });
  browser = await launchChromium(CHROMIUM);
});
afterAll(async () => {
  for (const cli of clis) cli.child.kill();
  await browser?.close();
  await emulator?.close();
});

/** `upstox-token login --no-open --json` for an app of its own, whose redirect URI is on a free port. */
async function startLogin() {
  const port = await freePort();
  const app = {
    apiKey: `chromium-${crypto.randomUUID()}`,
    apiSecret: "chromium-secret",
    redirectUris: [`http://127.0.0.1:${port}/callback`],
  };
  emulator.addApp(app);
  const env = emulatorEnv(emulator, {
    UPSTOX_CLIENT_ID: app.apiKey,
    UPSTOX_CLIENT_SECRET: app.apiSecret,
    UPSTOX_REDIRECT_URI: app.redirectUris[0]!,
  });
  const cli = spawnLauncher(["login", "--no-open", "--json", "--timeout", "45s"], env);
  clis.push(cli);
  const [, printed] = await cli.waitForStderr(/^\s+(http\S+)$/m);
  const url = new URL(printed!);
  expect(url.origin).toBe(emulator.url);
  return { cli, url, callback: app.redirectUris[0]! };
}

/** The current TOTP, as the user's authenticator app shows it. */
const currentTotp = () => totpNow(new Secret(DEMO_USER.totpSecret), Date.now()).code;

/** Types into a field key by key and presses the button, as a person does. */
async function typeAndPress(page: Page, field: string, text: string, button: string) {
  const input = page.getByLabel(field);
  await input.click();
  await input.pressSequentially(text, { delay: 15 });
  await page.getByRole("button", { name: button }).click();
}

async function screenshot(page: Page, name: string, viewport = DESKTOP) {
  await page.setViewportSize(viewport);
  expect(await scrollsSideways(page)).toBe(false);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Nothing the pages asked for left the machine: only the emulator and the local callback (and data: URLs). */
function expectOnlyLocalRequests(callback: string) {
  const allowed = [emulator.url, new URL(callback).origin];
  const elsewhere = browser.requests.filter(
    (url) => !url.startsWith("data:") && !allowed.some((origin) => url.startsWith(`${origin}/`)),
  );
  expect(elsewhere).toEqual([]);
}

browserTest("a person logs in in Chromium; the CLI ends with a valid token", async () => {
  const { page } = browser;
  const { cli, url, callback } = await startLogin();
  browser.requests.length = 0;
  browser.problems.length = 0;

  await page.goto(url.href);
  // The dialog sent the browser on to the emulator's login page.
  expect(await page.getByRole("heading", { name: "Log in to Upstox" }).isVisible()).toBe(true);
  await screenshot(page, "1-login-mobile-step");
  await screenshot(page, "1-login-mobile-step-phone", PHONE);
  await page.setViewportSize(DESKTOP);

  await typeAndPress(page, "Mobile number", DEMO_USER.mobile, "Get OTP");
  await page.getByLabel("TOTP").waitFor({ state: "visible" });
  await typeAndPress(page, "TOTP", currentTotp(), "Continue");
  await page.getByLabel("PIN").waitFor({ state: "visible" });
  await screenshot(page, "2-login-pin-step");
  await typeAndPress(page, "PIN", DEMO_USER.pin, "Log in");

  // The page navigates to the redirect URI: the CLI's callback server answers with its success page.
  await page.waitForURL((to) => to.href.startsWith(`${callback}?`));
  const heading = page.getByRole("heading", { level: 1 });
  expect(await heading.textContent()).toContain("Logged in to Upstox");
  const text = await page.locator("body").textContent();
  expect(text).toContain("You can close this tab");
  await screenshot(page, "3-callback-success");
  await screenshot(page, "3-callback-success-phone", PHONE);
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, "3-callback-success-dark");
  await page.emulateMedia({ colorScheme: "light" });

  const result = await cli.result();
  expect(result.stderr).not.toContain("error");
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { access_token: string; source: string; user_id: string };
  expect(body.source).toBe("browser");
  expect(body.user_id).toBe(DEMO_USER.userId);
  expect(emulator.isTokenValid(body.access_token)).toBe(true);
  expect(await page.content()).not.toContain(body.access_token);

  expect(browser.problems).toEqual([]);
  expectOnlyLocalRequests(callback);
});

browserTest("mistakes and failures are explained in the page; the login then completes", async () => {
  const { page } = browser;
  const { cli, url, callback } = await startLogin();
  await page.setViewportSize(DESKTOP);
  await page.goto(url.href);
  const alert = page.getByRole("alert");

  const generated = emulator.steps("otp-generate").length;
  // A number too short is caught in the page; a service that answers garbage is a sentence, not a JSON error.
  await typeAndPress(page, "Mobile number", "98765", "Get OTP");
  await alert.waitFor({ state: "visible" });
  expect(await alert.textContent()).toContain("10-digit mobile number");
  expect(emulator.steps("otp-generate")).toHaveLength(generated);
  emulator.inject({ path: "/login/open/v6/auth/1fa/otp/generate", status: 502, body: "Bad Gateway" });
  await page.getByLabel("Mobile number").fill("");
  await typeAndPress(page, "Mobile number", `+91 ${DEMO_USER.mobile}`, "Get OTP");
  await page.waitForFunction(() => document.getElementById("error")?.textContent?.includes("HTTP 502"));
  await screenshot(page, "4-login-service-error");
  await page.getByRole("button", { name: "Get OTP" }).click();
  const good = currentTotp();
  const wrongOtp = good === "000000" ? "111111" : "000000";
  await typeAndPress(page, "TOTP", wrongOtp, "Continue");
  await alert.waitFor({ state: "visible" });
  expect(await alert.textContent()).toContain("Invalid OTP");
  await screenshot(page, "5-login-wrong-otp");

  const otp = page.getByLabel("TOTP");
  await otp.fill("");
  await typeAndPress(page, "TOTP", currentTotp(), "Continue");
  await page.getByLabel("PIN").waitFor({ state: "visible" });
  expect(await alert.isVisible()).toBe(false);

  await typeAndPress(page, "PIN", "654321", "Log in");
  await alert.waitFor({ state: "visible" });
  expect(await alert.textContent()).toContain("incorrect PIN");
  await screenshot(page, "6-login-wrong-pin");
  await screenshot(page, "6-login-wrong-pin-phone", PHONE);
  await page.setViewportSize(DESKTOP);

  await page.getByLabel("PIN").fill("");
  await typeAndPress(page, "PIN", DEMO_USER.pin, "Log in");
  await page.waitForURL((to) => to.href.startsWith(`${callback}?`));
  const result = await cli.result();
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout) as { access_token: string };
  expect(emulator.isTokenValid(body.access_token)).toBe(true);
});

browserTest("a refused login comes back with error=: the error page says so, the CLI exits 1", async () => {
  const { page } = browser;
  const { cli, url, callback } = await startLogin();
  browser.problems.length = 0;
  // What the redirect looks like when the user declines the app's access (no code, an error instead).
  const refused = new URL(callback);
  refused.searchParams.set("error", "access_denied");
  refused.searchParams.set("error_description", "The user declined the app's access");
  refused.searchParams.set("state", url.searchParams.get("state") ?? "");
  await page.setViewportSize(DESKTOP);
  const response = await page.goto(refused.href);
  expect(response?.status()).toBe(400);

  const heading = page.getByRole("heading", { level: 1 });
  expect(await heading.textContent()).toContain("Login was not completed");
  const text = await page.locator("body").textContent();
  expect(text).toContain("access_denied");
  expect(text).toContain("Start the login again");
  expect(text).toContain("You can close this tab");
  await screenshot(page, "7-callback-error");
  await screenshot(page, "7-callback-error-phone", PHONE);

  const result = await cli.result();
  expect(result.code).toBe(1);
  const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
  expect(error.code).toBe("UPSTOX_API");
  expect(error.message).toContain("access_denied");
  // Chromium reports the 400 of the page itself as a console error; anything else would be a defect.
  const others = browser.problems.filter((p) => !p.includes("status of 400"));
  expect(others).toEqual([]);
});
