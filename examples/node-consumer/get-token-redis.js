// The same with Redis, for several processes or machines: the lock makes sure that only one of them logs in
// when the token has expired; the others wait and read the new token. Runs on Node >= 22 and on Bun.
import { getProfile, loadConfig, loginWithTotp, TokenManager, toIstIso } from "@upstox-token/core";
import { RedisLock, RedisTokenSink, redisSinkOptions } from "@upstox-token/sink-redis";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const config = loadConfig(); // UPSTOX_* from the environment and ./.env
const lock = new RedisLock({ url, ttlMs: 120_000 });
const manager = new TokenManager({
  sinks: [new RedisTokenSink(redisSinkOptions.parse({ url }))],
  login: () => loginWithTotp(config),
  lock,
});

try {
  const record = await manager.getValidToken(process.env.UPSTOX_ACCOUNT ?? "main");
  const profile = await getProfile(config, record.accessToken);
  console.log(
    JSON.stringify({
      account: record.account,
      generation: record.generation,
      userId: profile.userId,
      expiresAt: toIstIso(record.expiresAt),
    }),
  );
} finally {
  await manager.close();
  await lock.close();
}
