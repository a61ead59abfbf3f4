#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// Output is written synchronously (see io.ts), so exiting at once loses nothing, and a lingering socket or timer
// cannot keep the process alive.
process.exit(await runCli(process.argv.slice(2)));
