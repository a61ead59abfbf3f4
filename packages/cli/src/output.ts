import { type ErrorReport, errorReportJson, formatErrorReport, scrubErrorReport } from "./error-report.js";
import type { CliIo } from "./io.js";
import { colorEnabled, createStyle, type Style } from "./style.js";

export interface OutputOptions {
  json: boolean;
  /** false with --no-color. */
  color: boolean;
}

/**
 * Everything a command prints goes through here. Human mode writes results to stdout; JSON mode writes exactly
 * one JSON object to stdout, so progress notes and errors always go to stderr.
 */
export class Output {
  readonly json: boolean;
  /** Styling for stdout. */
  readonly style: Style;
  /** Styling for stderr. */
  readonly errStyle: Style;
  readonly #io: CliIo;
  #jsonWritten = false;
  #scrub: (text: string) => string = (text) => text;

  constructor(io: CliIo, options: OutputOptions) {
    this.#io = io;
    this.json = options.json;
    this.style = createStyle(colorEnabled({ isTty: io.stdoutIsTty, env: io.env, flag: options.color }));
    this.errStyle = createStyle(colorEnabled({ isTty: io.stderrIsTty, env: io.env, flag: options.color }));
  }

  /**
   * Masks the configured secrets in everything written to stderr and in a JSON error: upstream text (an
   * Upstox error message, a cause with --debug) may echo them. Results on stdout are ours and left alone.
   */
  redactWith(scrub: (text: string) => string): void {
    this.#scrub = scrub;
  }

  #stderr(text: string): void {
    this.#io.stderr(this.#scrub(text));
  }

  /** A line of the human result (ignored in JSON mode, where `result` carries everything). */
  line(text = ""): void {
    if (!this.json) this.#io.stdout(`${text}\n`);
  }

  /** Label/value rows with the values aligned. */
  rows(rows: readonly (readonly [string, string])[]): void {
    const width = Math.max(0, ...rows.map(([label]) => label.length));
    for (const [label, value] of rows) this.line(`${this.style.dim(`${label}:`.padEnd(width + 1))} ${value}`);
  }

  /** A progress note or prompt for the person at the terminal: stderr in both modes. */
  note(text: string): void {
    this.#stderr(`${text}\n`);
  }

  warn(text: string): void {
    this.#stderr(`${this.errStyle.yellow("warning")}: ${text}\n`);
  }

  /** The one JSON object of a --json run. Human runs print their own lines instead. */
  result(value: Record<string, unknown>): void {
    if (!this.json || this.#jsonWritten) return;
    this.#jsonWritten = true;
    this.#io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** An error: always to stderr; with --json also as the JSON object on stdout (unless a result was written). */
  error(report: ErrorReport): void {
    this.#stderr(formatErrorReport(report, this.errStyle));
    if (this.json && !this.#jsonWritten) this.result(errorReportJson(scrubErrorReport(report, this.#scrub)));
  }
}
