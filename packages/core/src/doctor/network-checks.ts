import { lookup } from "node:dns/promises";
import { connect } from "node:tls";
import { type DoctorCheck, failed, passed } from "./doctor-check.js";

/** DNS: the host resolves (an IP literal passes as it is). */
export async function dnsCheck(url: URL): Promise<DoctorCheck> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const name = `dns ${host}`;
  try {
    const addresses = await lookup(host, { all: true });
    return passed(name, addresses.map((a) => a.address).join(", "));
  } catch (error) {
    return failed(
      name,
      `${host} does not resolve: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "Check this machine's DNS resolver and network (and UPSTOX_API_BASE / UPSTOX_SERVICE_BASE).",
    );
  }
}

/** TLS: a handshake with a certificate this machine trusts. Skipped (and said so) for http:// URLs. */
export async function tlsCheck(url: URL, timeoutMs: number): Promise<DoctorCheck> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const name = `tls ${host}`;
  if (url.protocol !== "https:") {
    return passed(name, `skipped: ${url.origin} is plain http:// (an emulator or test server)`);
  }
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    const socket = connect({ host, port, servername: host, timeout: timeoutMs });
    const done = (check: DoctorCheck) => {
      socket.destroy();
      resolve(check);
    };
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const until = cert?.valid_to ? `, certificate valid until ${cert.valid_to}` : "";
      done(passed(name, `${socket.getProtocol() ?? "TLS"} with ${host}:${port}${until}`));
    });
    socket.once("timeout", () =>
      done(failed(name, `no TLS handshake within ${timeoutMs} ms`, "Check the network, proxy and firewall.")),
    );
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done(
        failed(
          name,
          `TLS with ${host}:${port} failed: ${error.code ?? error.message}`,
          "Check the system's CA certificates and any TLS-intercepting proxy (NODE_EXTRA_CA_CERTS).",
        ),
      ),
    );
  });
}
