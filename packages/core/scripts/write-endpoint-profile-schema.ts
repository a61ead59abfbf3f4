// Regenerates endpoint-profile.schema.json from the zod schema: bun scripts/write-endpoint-profile-schema.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { endpointProfileJsonSchema } from "../src/endpoint-profile-file.js";

writeFileSync(
  join(import.meta.dir, "..", "endpoint-profile.schema.json"),
  `${JSON.stringify(endpointProfileJsonSchema(), null, 2)}\n`,
);
