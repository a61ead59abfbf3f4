/** Writes to stdout without node:fs or process.stdout (each costs Bun start-up time); Node takes node:fs. */
async function print(text: string): Promise<void> {
  const bun = (globalThis as { Bun?: { write(to: unknown, text: string): Promise<number>; stdout: unknown } })
    .Bun;
  if (bun) {
    await bun.write(bun.stdout, text);
    return;
  }
  const { writeSync } = await import("node:fs");
  writeSync(1, text);
}

/**
 * `--help` and `--version` without commander or any command module: the text of `--help` is generated from the
 * real program (help-text.generated.ts, kept current by a test), so it is byte for byte what commander prints at
 * 80 columns. Returns the exit code when it answered, undefined when the arguments need the full CLI.
 */
export async function fastHelp(argv: readonly string[]): Promise<number | undefined> {
  const isHelp = (arg: string | undefined) => arg === "--help" || arg === "-h";
  let topic: string | undefined;
  if (argv.length === 1 && (isHelp(argv[0]) || argv[0] === "help")) topic = "";
  else if (argv.length === 2 && isHelp(argv[1]) && !argv[0]!.startsWith("-")) topic = argv[0];
  else if (argv.length === 2 && argv[0] === "help") topic = argv[1];
  else if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    const { CLI_VERSION } = await import("./version.js");
    await print(`${CLI_VERSION}\n`);
    return 0;
  }
  if (topic === undefined) return undefined;
  const { HELP_TEXT } = await import("./help-text.generated.js");
  const text = HELP_TEXT[topic];
  if (text === undefined) return undefined; // an unknown command: commander says so, with a suggestion
  await print(text);
  return 0;
}
