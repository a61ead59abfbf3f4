import type { EmulatorState } from "./emulator-state.js";
import type { HttpExchange } from "./http-exchange.js";
import type { EmulatorStep } from "./types.js";

export interface Route {
  method: string;
  /** Exact path, or a pattern whose groups become `params`. */
  path: string | RegExp;
  step: EmulatorStep | null;
  handle(ex: HttpExchange, state: EmulatorState, params: string[]): void | Promise<void>;
}

export function findRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    if (typeof route.path === "string") {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const m = route.path.exec(path);
    if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p ?? "")) };
  }
  return null;
}
