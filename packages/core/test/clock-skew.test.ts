// A login talks to two hosts (the login service and the API) through two HTTP clients. A machine whose clock is
// off gets the warning once per run, not once per client. The skewed server is an injected fault: a local
// server whose Date header is ten minutes ahead.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { HttpClient } from "../src/http-client.js";
import { captureLogger } from "./helpers.js";

const TEN_MINUTES = 600_000;
let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response("{}", { headers: { date: new Date(Date.now() + TEN_MINUTES).toUTCString() } }),
  });
});
afterAll(() => server.stop(true));

test("a clock skew is warned about once per logger, however many clients see it", async () => {
  const logger = captureLogger();
  let now = Date.now();
  const client = () => new HttpClient({ timeoutMs: 5000, logger, debug: false, now: () => now });
  const url = `http://127.0.0.1:${server.port}/`;
  for (const c of [client(), client()]) {
    await c.send({ method: "GET", url, step: "probe" });
    await c.send({ method: "GET", url, step: "probe" });
    expect(Math.abs((c.clockSkew.skewMs ?? 0) - TEN_MINUTES)).toBeLessThan(5000);
  }
  const warnings = () => logger.lines.filter((l) => l.level === "warn" && l.message?.includes("clock"));
  expect(warnings()).toHaveLength(1);
  expect(warnings()[0]!.message).toContain("TOTP codes may be rejected");

  // Another logger (another run) is told; the same one again only after an hour (a daemon that runs for months).
  const other = captureLogger();
  await new HttpClient({ timeoutMs: 5000, logger: other, debug: false, now: () => now }).send({
    method: "GET",
    url,
    step: "probe",
  });
  expect(other.lines.filter((l) => l.level === "warn")).toHaveLength(1);
  now += 3_600_000 + 1;
  await client().send({ method: "GET", url, step: "probe" });
  expect(warnings()).toHaveLength(2);
});
