// A program that needs a valid Upstox token: the token manager serves the one stored in SQLite while it is
// still valid (no HTTP at all), else logs in once and stores the new one. Runs on Node >= 22 and on Bun.
import { getProfile, loadConfig, loginWithTotp, TokenManager, toIstIso } from "@upstox-token/core";
import { SqliteTokenSink, sqliteSinkOptions } from "@upstox-token/sink-sqlite";

const config = loadConfig(); // UPSTOX_* from the environment and ./.env
const manager = new TokenManager({
  sinks: [new SqliteTokenSink(sqliteSinkOptions.parse({ path: process.env.TOKEN_DB ?? "tokens.db" }))],
  login: () => loginWithTotp(config),
});

try {
  const record = await manager.getValidToken(process.env.UPSTOX_ACCOUNT ?? "main");
  // Use it as `Authorization: Bearer <token>`, here for the profile. A Secret prints as *** unless revealed.
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
}
