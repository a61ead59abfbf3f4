import { request } from "node:http";

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/**
 * POSTs `totalBytes` to `url` from one reused 64 KiB chunk (so the client holds no big buffer), honouring
 * back-pressure. Resolves with the status, or with "reset" when the server cut the upload off before answering.
 */
export function streamPost(
  url: string,
  totalBytes: number,
  options: { declareLength?: boolean; method?: string } = {},
): Promise<number | "reset"> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? "POST",
        headers: {
          "content-type": "application/json",
          ...(options.declareLength ? { "content-length": String(totalBytes) } : {}),
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on("error", () => resolve("reset"));
    let sent = 0;
    const pump = (): void => {
      while (sent < totalBytes) {
        const size = Math.min(CHUNK.length, totalBytes - sent);
        sent += size;
        if (!req.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size))) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Resident memory after a full collection, in MB. */
export function rssMb(): number {
  Bun.gc(true);
  return process.memoryUsage().rss / 1_048_576;
}
