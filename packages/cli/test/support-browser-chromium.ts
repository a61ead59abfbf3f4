import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { tempDir } from "./support/run-bin.js";

/**
 * Debian's `chromium` package (or CHROMIUM_PATH, which then is the only place looked at). Playwright's own
 * browser downloads are never used: the test drives the system browser through playwright-core.
 */
export function findChromium(): { path: string } | { missing: string } {
  const override = process.env.CHROMIUM_PATH;
  const candidates = override ? [override] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const path = candidates.find((candidate) => existsSync(candidate));
  return path ? { path } : { missing: `no Chromium at ${candidates.join(" or ")}` };
}

/**
 * Flags for a quiet headless run: no sandbox (containers, root), no GPU, and none of Chromium's own
 * background traffic (updates, sync, QUIC probes), which is refused on machines without Internet.
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface HeadlessChromium {
  context: BrowserContext;
  page: Page;
  /** Page errors, console errors and failed requests seen so far (a clean page has none). */
  problems: string[];
  /** Every URL the page requested, to prove nothing left the machine. */
  requests: string[];
  close(): Promise<void>;
}

/** Launches the system Chromium with a fresh, throwaway profile and one page. */
export async function launchChromium(executablePath: string): Promise<HeadlessChromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), "upstox-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 20_000,
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("request", (request) => requests.push(request.url()));
  return {
    context,
    page,
    problems,
    requests,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The folder screenshots go to: packages/cli/test-output/browser-chromium (gitignored), emptied first. */
export function screenshotFolder(): string {
  const folder = join(import.meta.dir, "..", "test-output", "browser-chromium");
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** True when the page is wider than its viewport (it scrolls sideways: broken on a phone). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

export const LAUNCHER = join(import.meta.dir, "..", "bin", "upstox-token.js");

/**
 * Starts the real `upstox-token` launcher (bin/upstox-token.js) under Bun in a clean environment and a fresh
 * folder, without waiting: `login` prints its URL on stderr, then waits for the browser.
 */
export function spawnLauncher(args: string[], env: Record<string, string>) {
  const child = Bun.spawn(["bun", LAUNCHER, ...args], {
    cwd: tempDir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const stdout = new Response(child.stdout).text();
  let stderr = "";
  const decoder = new TextDecoder();
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  return {
    child,
    /** The first match of `pattern` on stderr, waiting for it up to `timeoutMs`. */
    async waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stderr);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on stderr:\n${stderr}`);
        await Bun.sleep(20);
      }
    },
    /** Exit code and output, once the program has ended (killed after `timeoutMs`). */
    async result(timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
      const timer = setTimeout(() => child.kill(), timeoutMs);
      const [out, code] = await Promise.all([stdout, child.exited]);
      await stderrDone;
      clearTimeout(timer);
      return { code, stdout: out, stderr };
    },
  };
}
