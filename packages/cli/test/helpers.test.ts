import { expect, test } from "bun:test";
import { browserCommand } from "../src/browser-open.js";

test("browserCommand: $BROWSER wins, else the platform's opener", () => {
  const url = "http://127.0.0.1/dialog?a=1&b=2";
  expect(browserCommand(url, "linux", {})).toEqual(["xdg-open", [url]]);
  expect(browserCommand(url, "darwin", {})).toEqual(["open", [url]]);
  expect(browserCommand(url, "win32", {})).toEqual(["rundll32", ["url.dll,FileProtocolHandler", url]]);
  expect(browserCommand(url, "linux", { BROWSER: "firefox" })).toEqual(["firefox", [url]]);
});
