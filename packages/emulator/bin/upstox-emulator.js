#!/usr/bin/env node
// Launcher: under Bun run the TypeScript source (always current in a checkout); under Node the built dist.
import { existsSync } from "node:fs";

const source = new URL("../src/bin.ts", import.meta.url);
const built = new URL("../dist/bin.js", import.meta.url);
const entry = process.versions.bun && existsSync(source) ? source : built;
if (!existsSync(entry)) {
  console.error(`${import.meta.url}: not built yet; run \`bun run build\` in the repository, or use Bun.`);
  process.exit(2);
}
await import(entry.href);
