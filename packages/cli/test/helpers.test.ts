import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { browserCommand } from "../src/browser-open.js";
import { withoutBunDotenv } from "../src/bun-dotenv.js";
import { tempDir } from "./support/run-bin.js";

test("withoutBunDotenv drops only the variables Bun copied from ./.env files", () => {
  const dir = tempDir();
  writeFileSync(join(dir, ".env"), "FROM_FILE=a\nSHADOWED=file\n");
  writeFileSync(join(dir, ".env.local"), "LOCAL=b\n");
  const parse = (path: string) =>
    Object.fromEntries(
      readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("=") as [string, string]),
    );
  const env = { FROM_FILE: "a", SHADOWED: "shell", LOCAL: "b", PATH: "/bin" };
  expect(withoutBunDotenv(env, dir, parse)).toEqual({ SHADOWED: "shell", PATH: "/bin" });
  // Nothing to strip in a folder without .env files.
  expect(withoutBunDotenv(env, tempDir(), parse)).toEqual(env);
});

test("browserCommand: $BROWSER wins, else the platform's opener", () => {
  const url = "http://127.0.0.1/dialog?a=1&b=2";
  expect(browserCommand(url, "linux", {})).toEqual(["xdg-open", [url]]);
  expect(browserCommand(url, "darwin", {})).toEqual(["open", [url]]);
  expect(browserCommand(url, "win32", {})).toEqual(["rundll32", ["url.dll,FileProtocolHandler", url]]);
  expect(browserCommand(url, "linux", { BROWSER: "firefox" })).toEqual(["firefox", [url]]);
});
