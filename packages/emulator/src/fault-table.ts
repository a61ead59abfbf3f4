import type { FaultSpec } from "./types.js";

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

/** Injected faults, consumed in the order they were added. */
export class FaultTable {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    const count = spec.count ?? 1;
    if (!(count > 0)) throw new RangeError("fault count must be positive");
    this.faults.push({ spec, remaining: count });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching the request, with one use taken from it. */
  take(method: string, path: string): FaultSpec | null {
    const match = this.faults.find(({ spec }) => {
      if (spec.method && spec.method.toUpperCase() !== method) return false;
      return typeof spec.path === "string" ? spec.path === path : spec.path.test(path);
    });
    if (!match) return null;
    match.remaining -= 1;
    if (match.remaining <= 0) this.faults = this.faults.filter((f) => f !== match);
    return match.spec;
  }
}
