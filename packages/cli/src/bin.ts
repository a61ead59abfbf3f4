#!/usr/bin/env node
import { runCli } from "./run-cli.js";

const code = await runCli(process.argv.slice(2));
// Let stdout and stderr drain (pipes to a slow reader), then exit even if a socket or timer lingers.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
