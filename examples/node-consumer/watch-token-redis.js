// A long-running program that never logs in itself: the daemon (or get-token-redis.js) keeps the token in
// Redis and announces each new one on `upstox-token:events`; this program reloads it then. Runs until
// SIGINT/SIGTERM, printing one JSON line per token it starts using.
import { isTokenValid, toIstIso } from "@upstox-token/core";
import { RedisTokenSink, redisSinkOptions, subscribeTokenEvents } from "@upstox-token/sink-redis";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const account = process.env.UPSTOX_ACCOUNT ?? "main";
const sink = new RedisTokenSink(redisSinkOptions.parse({ url }));

/** @type {import("@upstox-token/core").TokenRecord | null} the token in use; pass current.accessToken on */
let current = null;
let loaded = false;

/** @param {string} reason */
async function reload(reason) {
  const record = await sink.read(account); // null when there is none, or it expired (the key expires with it)
  const next = record && isTokenValid(record, Date.now(), 0) ? record : null;
  if (loaded && next?.generation === current?.generation) return;
  loaded = true;
  current = next;
  const expiresAt = current ? toIstIso(current.expiresAt) : null;
  console.log(JSON.stringify({ reason, account, generation: current?.generation ?? null, expiresAt }));
}

/** @param {unknown} error */
const report = (error) => console.error(`token reload: ${error instanceof Error ? error.message : error}`);

const stop = await subscribeTokenEvents(
  url,
  "upstox-token:",
  (event) => {
    if (event.account === account) reload("event").catch(report);
  },
  // Called after every (re)subscribe: events sent while disconnected are lost, so read the key again then.
  { onReady: () => reload("ready").catch(report), onError: report },
);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    await stop();
    await sink.close();
  });
}
