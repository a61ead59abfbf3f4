import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configJsonSchemaText } from "./json-schema.js";

/** `bun run schema`: regenerates upstox-token.config.schema.json beside package.json. */
const target = fileURLToPath(new URL("../../upstox-token.config.schema.json", import.meta.url));
writeFileSync(target, configJsonSchemaText());
console.log(`wrote ${target}`);
