// Preloaded by bunfig.toml: hooks here run once around the whole multi-file run.
import { afterAll } from "bun:test";
import { removeTempFolders } from "../src/packed-workspace.js";

afterAll(removeTempFolders);
