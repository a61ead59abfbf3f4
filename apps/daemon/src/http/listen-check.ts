import { ConfigError } from "@upstox-token/core";
import { loadConfigFile } from "../config/load-config.js";

/**
 * Tries each address the config asks the daemon to listen on (status endpoint, API proxy) and lets go of it at
 * once, so a port in use is reported before any login. The config is read here only for those two fields;
 * `startDaemon` reads and reports it as usual.
 */
export async function checkListenAddresses(
  configPath: string | undefined,
  env: Record<string, string | undefined>,
): Promise<void> {
  const preview = await loadConfigFile({ path: configPath, env });
  const wanted: { host: string; port: number; field: string }[] = [];
  if (preview.statusServer) {
    wanted.push({
      host: preview.statusServer.host ?? "127.0.0.1",
      port: preview.statusServer.port,
      field: "statusServer.port",
    });
  }
  if (preview.proxy) {
    const listen = preview.proxy.listen;
    const at = listen.lastIndexOf(":");
    wanted.push({
      host: listen.slice(0, at).replace(/^\[|\]$/g, ""),
      port: Number(listen.slice(at + 1)),
      field: "proxy.listen",
    });
  }
  const { createServer } = await import("node:net");
  for (const { host, port, field } of wanted) {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
      const probe = createServer();
      probe.once("error", (e) => done(e as NodeJS.ErrnoException));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => done(undefined)));
    });
    if (!error) continue;
    const code = error.code;
    if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") throw error;
    const why =
      code === "EADDRINUSE"
        ? "the port is in use (another daemon, or another program)"
        : code === "EACCES"
          ? "permission denied (ports below 1024 need privileges)"
          : "that address is not on this machine";
    const what = field === "proxy.listen" ? "the API proxy" : "the status endpoint";
    throw new ConfigError(`${what} cannot listen on ${host}:${port}: ${why}`, {
      ...(preview.file ? { file: preview.file } : {}),
      field,
      hint: `Stop the program on that port (e.g. \`ss -ltnp 'sport = :${port}'\` shows it), or set ${field} in ${preview.file ?? "the config"} to a free one.`,
    });
  }
}
