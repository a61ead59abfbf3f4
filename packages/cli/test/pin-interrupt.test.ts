import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Emulator, startEmulator } from "@upstox-token/emulator";
import { emulatorEnv } from "./support/emulator-env.js";
import { spawnBin, tempDir } from "./support/run-bin.js";

// Ctrl-C during the headless login (issue 19): the CLI says what happened to the PIN, then exits 130.
// A loopback relay in front of the emulator's login service holds one step unanswered, so the interrupt lands
// at a known point: a real SIGINT to a real process, no timer.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

function holdingRelay(hold: RegExp) {
  let held = false;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const url = new URL(req.url);
      if (hold.test(url.pathname)) {
        held = true;
        return new Promise<Response>(() => {});
      }
      const upstream = await fetch(`${emulator.serviceBase}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body: req.method === "GET" ? undefined : await req.arrayBuffer(),
        redirect: "manual",
      });
      return new Response(await upstream.arrayBuffer(), {
        status: upstream.status,
        headers: upstream.headers,
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, held: () => held, stop: () => server.stop(true) };
}

async function interruptAt(hold: RegExp) {
  const relay = holdingRelay(hold);
  const dir = tempDir("upstox-pin-interrupt-");
  const run = spawnBin(["generate-token"], {
    env: emulatorEnv(emulator, {
      UPSTOX_SERVICE_BASE: relay.url,
      UPSTOX_STATE_DIR: dir,
      UPSTOX_TOKEN_LOCK_DIR: dir,
    }),
  });
  try {
    const deadline = Date.now() + 15_000;
    while (!relay.held()) {
      if (Date.now() > deadline) throw new Error("the login never reached the held step");
      await Bun.sleep(20);
    }
    run.child.kill("SIGINT");
    const { stderr, code } = await run.result();
    return { stderr, code };
  } finally {
    relay.stop();
  }
}

test("Ctrl-C while the PIN is in flight says it may have been accepted or counted, and exits 130", async () => {
  const { stderr, code } = await interruptAt(/\/2fa$/);
  expect(code).toBe(130);
  expect(stderr).toContain("after the PIN was sent");
  expect(stderr).toContain("No token was stored");
});

test("Ctrl-C before the PIN step says the PIN was never sent", async () => {
  const { stderr, code } = await interruptAt(/otp\/generate$/);
  expect(code).toBe(130);
  expect(stderr).toContain("before the PIN was sent");
});
