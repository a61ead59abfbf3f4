import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { findChromium, launchChromium, outputFolder } from "./support/chromium.js";
import { addUsers, demoAccount, randomTotpSecret } from "./support/helpers.js";
import { type ProxiedDaemon, startProxiedDaemon } from "./support/proxied-daemon.js";

let emulator: Emulator;
let running: ProxiedDaemon | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ otpRateLimit: null });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** main logs in; broken has a wrong TOTP secret in its config (failed); locked has a wrong PIN (needs attention). */
async function threeAccounts() {
  const [broken, locked] = addUsers(emulator, 2, "acct");
  const brokenConfig = { ...broken!, name: "broken", totpSecret: randomTotpSecret() };
  const lockedConfig = { ...locked!, name: "locked", pin: locked!.pin === "111111" ? "222222" : "111111" };
  running = await startProxiedDaemon(emulator, {
    accounts: [demoAccount("main"), brokenConfig, lockedConfig],
  });
  return { running, broken: brokenConfig };
}

const chromiumPath = findChromium();

describe("the status page", () => {
  test("/v1/accounts: one row per account with its state, expiry, last refresh, error and sinks; no token", async () => {
    const { running } = await threeAccounts();
    const response = await fetch(`${running.statusUrl}/v1/accounts`);
    expect(response.status).toBe(200);
    const report = await response.json();
    const byName = Object.fromEntries(report.accounts.map((a: { account: string }) => [a.account, a]));
    expect(byName.main.state).toBe("valid");
    expect(byName.main.expires_at).toMatch(/\+05:30$/);
    expect(byName.main.last_refresh.attempts).toBe(1);
    expect(byName.main.last_refresh.user_id).toBe("DEMO01");
    expect(byName.main.sinks).toEqual([expect.objectContaining({ state: "ok" })]);
    expect(byName.broken.state).toBe("failed");
    expect(byName.broken.last_error.code).toBe("WRONG_TOTP");
    expect(byName.broken.last_error.hint).toBeTruthy();
    expect(byName.locked.state).toBe("needs-attention");
    expect(byName.locked.last_error.code).toBe("WRONG_PIN");
    expect(byName.locked.next_run_at).toBeNull();
    expect(JSON.stringify(report)).not.toContain(await running.token("main"));
  });

  test.skipIf(!chromiumPath)(
    "in headless Chromium: a valid, a failed and a needs-attention account, live updates, strict CSP, phone layout",
    async () => {
      const { running, broken } = await threeAccounts();
      const token = await running.token("main");
      const page = await fetch(`${running.statusUrl}/`);
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'nonce-[^']+'/);
      expect(await page.text()).not.toContain(token);

      const folder = outputFolder("status-page");
      const browser = await launchChromium(chromiumPath as string);
      try {
        const tab = browser.page;
        await tab.goto(`${running.statusUrl}/`);
        await tab.waitForSelector("#live.on");
        const state = (name: string) => tab.getAttribute(`[data-account="${name}"]`, "data-state");
        expect(await state("main")).toBe("valid");
        expect(await state("broken")).toBe("failed");
        expect(await state("locked")).toBe("needs-attention");
        const mainText = await tab.textContent('[data-account="main"]');
        expect(mainText).toContain("IST");
        expect(mainText).toContain("DEMO01");
        expect(mainText).toMatch(/in \d+h \d+m \d\ds/);
        expect(await tab.textContent('[data-account="locked"]')).toContain("WRONG_PIN");
        expect(await tab.textContent('[data-account="broken"] .hint')).toContain("Hint:");
        await tab.screenshot({ path: join(folder, "desktop.png"), fullPage: true });

        // The broken account's secret is fixed at "Upstox"; its next run logs in and the page follows, unasked.
        emulator.addUser({ mobile: broken.mobile, pin: broken.pin, totpSecret: broken.totpSecret });
        await running.daemon.runOnce();
        await tab.waitForSelector('[data-account="broken"][data-state="valid"]');
        await tab.screenshot({ path: join(folder, "desktop-after-refresh.png"), fullPage: true });

        await tab.setViewportSize({ width: 390, height: 844 });
        const sideways = await tab.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
        expect(sideways).toBe(false);
        await tab.screenshot({ path: join(folder, "phone.png"), fullPage: true });

        expect(browser.problems).toEqual([]);
        const origin = new URL(running.statusUrl).origin;
        expect(browser.requests.every((url) => url.startsWith(origin))).toBe(true);
        expect(await tab.content()).not.toContain(token);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
