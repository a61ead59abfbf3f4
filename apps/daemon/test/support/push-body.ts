import { request } from "node:http";

/** Streams `size` bytes of zeros in 64 KiB chunks until the server answers or closes; counts what went out. */
export function pushBody(
  url: string,
  size: number,
  declareLength: boolean,
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    let status = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve({ status, sent });
    };
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        ...(declareLength ? { "content-length": String(size) } : {}),
      },
    });
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on("end", finish);
      res.on("close", finish);
    });
    // A server may reset the connection right after its answer: the status is then already known, or the
    // reset itself is the refusal (reported as status 0, with what went out).
    req.on("error", (error: NodeJS.ErrnoException) =>
      status || error.code === "EPIPE" || error.code === "ECONNRESET" ? finish() : reject(error),
    );
    const pump = () => {
      while (!finished && status === 0 && sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (sent >= size) req.end();
    };
    pump();
  });
}
