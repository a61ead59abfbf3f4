import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { UpstoxTokenError } from "@upstox-token/core";
import { createLogger } from "../src/observe/logger.js";

/** A JWT-shaped value as Upstox echoes a token in an error message (not a real token). */
const JWT = [
  Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url"),
  Buffer.from('{"sub":"AB1234","exp":4102444800}').toString("base64url"),
  "c2lnbmF0dXJlLWJ5dGVzLWhlcmU",
].join(".");

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

test("an error-level line whose Upstox message carries a JWT is written with the JWT masked (JSON logs)", () => {
  const out = collect();
  const logger = createLogger({ destination: out.stream, pretty: false, level: "info" });
  const error = new UpstoxTokenError("UPSTOX_API", `Invalid token used to access API: ${JWT}`, {
    upstoxCode: "UDAPI100050",
  });
  logger.error({ account: "main", code: error.code, err: error.message }, `refresh failed: ${error.message}`);
  const text = out.text();
  expect(text).toContain("Invalid token used to access API");
  expect(text).toContain("***");
  expect(text).not.toContain(JWT);
  expect(text).not.toContain(JWT.split(".")[1]!);
});

test("the pretty log masks a JWT in the message too", () => {
  const out = collect();
  const logger = createLogger({ destination: out.stream, pretty: true, level: "info" });
  logger.error({ account: "main" }, `Upstox said: bearer ${JWT} is not valid`);
  const text = out.text();
  expect(text).toContain("Upstox said");
  expect(text).not.toContain(JWT.split(".")[1]!);
});
