import { type BuiltinSinks, type ConfigProblem, type SinkSpec, sinkSpecProblems } from "@upstox-token/core";

/**
 * The sinks of a config as written (after `${VAR}`), checked as the daemon will create them: an unknown sink
 * (with "did you mean"), a module that cannot load, options the sink's schema refuses. Run beside the schema
 * check, so every mistake of a file is reported in one round.
 */
export async function configSinkProblems(
  raw: unknown,
  context: { baseDir: string; builtins: BuiltinSinks },
): Promise<ConfigProblem[]> {
  if (typeof raw !== "object" || raw === null) return [];
  const r = raw as { sinks?: unknown; accounts?: unknown };
  const specs: { spec: SinkSpec; field: string }[] = [];
  const collect = (list: unknown, prefix: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((spec, i) => {
      if (typeof spec === "object" && spec !== null && typeof (spec as SinkSpec).use === "string") {
        specs.push({ spec: spec as SinkSpec, field: `${prefix}[${i}]` });
      }
    });
  };
  collect(r.sinks, "sinks");
  if (Array.isArray(r.accounts)) {
    r.accounts.forEach((account, i) => {
      collect((account as { sinks?: unknown } | null)?.sinks, `accounts[${i}].sinks`);
    });
  }
  const problems: ConfigProblem[] = [];
  for (const { spec, field } of specs) {
    if (spec.use === "") continue; // the schema names it
    problems.push(
      ...(await sinkSpecProblems(spec, { builtins: context.builtins, baseDir: context.baseDir, field })),
    );
  }
  return problems;
}
