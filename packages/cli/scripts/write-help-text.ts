import { writeFileSync } from "node:fs";
import { liveHelpTexts, renderHelpModule } from "../src/help-text-source.js";

const file = new URL("../src/help-text.generated.ts", import.meta.url);
writeFileSync(file, renderHelpModule(await liveHelpTexts()));
console.log(`wrote ${file.pathname}`);
