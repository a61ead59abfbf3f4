/** One line of a doctor report: what was checked, whether it passed, what was seen, and what to do if not. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string | undefined;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** A check a shell adds (a sink's writability, the lock), run and reported like the built-in ones. */
export interface ExternalCheck {
  name: string;
  /** Resolves with a detail on success; throws (ideally an UpstoxTokenError with a hint) on failure. */
  run(): Promise<string | undefined>;
}

export function passed(name: string, detail: string): DoctorCheck {
  return { name, ok: true, detail };
}

export function failed(name: string, detail: string, fix?: string): DoctorCheck {
  return { name, ok: false, detail, fix };
}

/** Runs an external check; a throw becomes a failed line with the error's message and hint. */
export async function runExternal(check: ExternalCheck): Promise<DoctorCheck> {
  try {
    return passed(check.name, (await check.run()) ?? "ok");
  } catch (error) {
    const hint =
      typeof error === "object" && error !== null && "hint" in error && typeof error.hint === "string"
        ? error.hint
        : undefined;
    return failed(check.name, error instanceof Error ? error.message : String(error), hint);
  }
}
