// Preloaded by help-start-up.test.ts: records which modules a run of the CLI asks for (by specifier).
import { appendFileSync } from "node:fs";
import { plugin } from "bun";

plugin({
  name: "trace-resolves",
  setup(build) {
    build.onResolve({ filter: /commander|run-cli|program/ }, (args) => {
      appendFileSync(process.env.TRACE_FILE ?? "/dev/null", `${args.path}\n`);
      return undefined;
    });
  },
});
