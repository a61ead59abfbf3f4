#!/usr/bin/env node
import { runMain } from "./main.js";

process.exitCode = await runMain(process.argv);
