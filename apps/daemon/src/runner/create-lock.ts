import { isAbsolute, resolve } from "node:path";
import { type AccountLock, FileLock, type Logger } from "@upstox-token/core";
import type { LockConfig } from "@upstox-token/core/daemon-config";

/** The account lock the config asks for: Redis across machines, a file lock on one host (the default). */
export async function createAccountLock(
  config: LockConfig,
  context: { baseDir: string; logger: Logger },
): Promise<AccountLock> {
  if (config.use === "redis") {
    // Loaded only when configured: ioredis costs memory that a file-locked daemon does not need.
    const { RedisLock } = await import("@upstox-token/sink-redis");
    return new RedisLock({
      url: config.url,
      ...(config.prefix !== undefined ? { prefix: config.prefix } : {}),
      ...(config.ttlMs !== undefined ? { ttlMs: config.ttlMs } : {}),
      logger: context.logger,
    });
  }
  const dir = config.path
    ? isAbsolute(config.path)
      ? config.path
      : resolve(context.baseDir, config.path)
    : undefined;
  return new FileLock({ dir, logger: context.logger });
}
