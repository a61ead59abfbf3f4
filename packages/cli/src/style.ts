/** Minimal ANSI styling: a handful of SGR codes is all the CLI needs, so no colour library. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const sgr =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const ansi: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

const identity = (text: string): string => text;
const plain: Style = {
  bold: identity,
  dim: identity,
  red: identity,
  green: identity,
  yellow: identity,
  cyan: identity,
};

export function createStyle(enabled: boolean): Style {
  return enabled ? ansi : plain;
}

/**
 * Colour only on a terminal, never with `--no-color`, NO_COLOR (https://no-color.org) or TERM=dumb.
 * FORCE_COLOR (non-empty, not "0") turns it on without a terminal, e.g. in CI logs.
 */
export function colorEnabled(input: {
  isTty: boolean;
  env: Record<string, string | undefined>;
  flag: boolean;
}): boolean {
  if (!input.flag) return false;
  if (input.env.NO_COLOR !== undefined && input.env.NO_COLOR !== "") return false;
  const force = input.env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  if (input.env.TERM === "dumb") return false;
  return input.isTty;
}
