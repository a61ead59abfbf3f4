/** Splits `platform=WEB|osName=..|appVersion=4.0.0|…` into its fields. */
function parseDeviceDetails(header: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of header.split("|")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return fields;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The 2026 version gate (1017072): `platform=WEB` and an `appVersion` at or above the minimum. */
export function isDeviceAccepted(header: string | undefined, minAppVersion: string): boolean {
  if (!header) return false;
  const fields = parseDeviceDetails(header);
  const appVersion = fields.get("appVersion");
  if (fields.get("platform") !== "WEB" || !appVersion || !/^\d+(\.\d+)*$/.test(appVersion)) return false;
  return compareVersions(appVersion, minAppVersion) >= 0;
}
