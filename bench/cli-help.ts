// `upstox-token --help` start-up, as a ratio to a bare `bun -e 0` measured in the same run (issue 19: under 40 ms).
// Runs each command alternately, `--runs` times (default 25), and reports the medians.
import { fileURLToPath } from "node:url";
import { percentile, ratio, writeResult } from "./stats.ts";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 25;
const bun = process.execPath;
const launcher = fileURLToPath(new URL("../packages/cli/bin/upstox-token.js", import.meta.url));

const commands: Record<string, string[]> = {
  "bun -e 0": [bun, "-e", "0"],
  "upstox-token --help": [bun, launcher, "--help"],
  "upstox-token status --help": [bun, launcher, "status", "--help"],
};
// `--against <launcher>`: another checkout's bin/upstox-token.js in the same run (e.g. main, to compare).
const againstArg = process.argv.indexOf("--against");
if (againstArg > 0) commands["--help (--against)"] = [bun, process.argv[againstArg + 1]!, "--help"];

async function timeOnce(cmd: string[]): Promise<number> {
  const start = performance.now();
  const child = Bun.spawn(cmd, { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const code = await child.exited;
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
  return ms;
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const cmd of Object.values(commands)) await timeOnce(cmd); // warm the file cache
for (let i = 0; i < runs; i++) {
  for (const [name, cmd] of Object.entries(commands)) samples[name]!.push(await timeOnce(cmd));
}

const floor = percentile(samples["bun -e 0"]!, 50);
const rows = Object.entries(samples).map(([name, s]) => ({
  name,
  p50_ms: Number(percentile(s, 50).toFixed(1)),
  p90_ms: Number(percentile(s, 90).toFixed(1)),
  ratio_to_bare_bun: ratio(percentile(s, 50), floor),
}));
console.log(`runs: ${runs} each, alternating; Bun ${Bun.version}`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(28)} p50 ${String(r.p50_ms).padStart(6)} ms  p90 ${String(r.p90_ms).padStart(6)} ms  ${r.ratio_to_bare_bun}`,
  );
}
console.log(`written: ${await writeResult("cli-help", { runs, bun: Bun.version, rows })}`);
