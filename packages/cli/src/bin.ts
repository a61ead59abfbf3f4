#!/usr/bin/env node
import { fastHelp } from "./fast-help.js";

// `--help` and `--version` are answered before the CLI loads (commander and the command tree cost ~25 ms).
const argv = process.argv.slice(2);
const early = await fastHelp(argv);
if (early !== undefined) process.exit(early);

const { runCli } = await import("./run-cli.js");
// Output is written synchronously (see io.ts), so exiting at once loses nothing, and a lingering socket or timer
// cannot keep the process alive.
process.exit(await runCli(argv));
