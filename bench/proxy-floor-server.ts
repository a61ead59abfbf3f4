/**
 * The runtime's floor for bench/proxy.ts: the least a Bun program can do to pass a GET through with a token
 * added (node:http server, native fetch upstream, no policy, no streaming, no metrics). Not a product: the
 * bench runs it to show how much of the proxy's added latency is the runtime and how much is the proxy.
 *
 *   bun bench/proxy-floor-server.ts <listen port> <upstream origin> <token>
 */
import { createServer } from "node:http";

const [port, upstream, token] = process.argv.slice(2);
createServer(async (req, res) => {
  const answer = await fetch(`${upstream}${req.url}`, {
    method: req.method,
    headers: { accept: String(req.headers.accept ?? "*/*"), authorization: `Bearer ${token}` },
    decompress: false,
  } as RequestInit);
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(answer.status, headers);
  res.end(Buffer.from(await answer.arrayBuffer()));
}).listen(Number(port), "127.0.0.1");
