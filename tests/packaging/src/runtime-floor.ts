import type { Installer } from "./consumer-project.js";
import {
  bunPlatformPackage,
  lowestAllowed,
  nodePlatformPackage,
  runtimeFromRegistry,
} from "./node-runtime.js";
import { BUN_PROBES, NODE_PROBES } from "./tarball-checks.js";
import { workspacePackages } from "./workspace.js";

/**
 * The lowest Node (for an npm project) or Bun (for a bun project) that all the named packages' `engines`
 * allow: the oldest runtime a user may run them on, so the one to test.
 */
export function declaredFloor(kind: Installer["kind"], packageNames: string[]): string | undefined {
  const engine = kind === "npm" ? "node" : "bun";
  const manifests = workspacePackages().filter((p) => packageNames.includes(p.manifest.name));
  const ranges = manifests.map((p) => p.manifest.engines?.[engine] ?? "*");
  return lowestAllowed(ranges, engine === "node" ? NODE_PROBES : BUN_PROBES);
}

/** The same project, run by the runtime at `version` from the npm registry (cached between runs). */
export async function installerAt(kind: Installer["kind"], version: string): Promise<Installer | string> {
  const pkg = kind === "npm" ? nodePlatformPackage() : bunPlatformPackage();
  if (!pkg)
    return `no npm package with ${kind === "npm" ? "Node" : "Bun"} for ${process.platform}-${process.arch}`;
  const runtime = await runtimeFromRegistry(pkg, version);
  if (typeof runtime === "string") return runtime;
  return kind === "npm" ? { kind, node: runtime } : { kind, bun: runtime };
}
