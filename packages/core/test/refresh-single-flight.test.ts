import { expect, test } from "bun:test";
import { AccountRefresher, createToken } from "../src/index.js";
import { MemorySink } from "./memory-sink.js";

const NOW = Date.UTC(2026, 10, 22, 4, 0); // 09:30 IST

test("a cycle waiting for the shell's limiter (run) is the account's single flight: callers meanwhile join it", async () => {
  let logins = 0;
  let open = () => {};
  const slot = new Promise<void>((resolve) => {
    open = resolve;
  });
  const waited: string[] = [];
  const r = new AccountRefresher({
    account: "main",
    sinks: [new MemorySink()],
    login: async () => {
      logins++;
      return createToken({
        accessToken: `token-${logins}`,
        profile: { userId: "AB1234" },
        receivedAt: NOW,
        source: "totp",
      });
    },
    now: () => NOW,
    run: async (cycle) => {
      waited.push("queued");
      await slot;
      return cycle();
    },
  });
  const first = r.refresh({ mode: "force" });
  expect(r.inFlight).toBe(first);
  const second = r.refresh({ mode: "force" });
  expect(second).toBe(first);
  open();
  expect(await first).toMatchObject({ result: "refreshed", loggedIn: true });
  expect(await second).toMatchObject({ result: "refreshed", loggedIn: true });
  expect({ logins, waited }).toEqual({ logins: 1, waited: ["queued"] });
  expect(r.inFlight).toBeUndefined();
});
