import { dirname, join } from "node:path";

export const LAUNCHD_LABEL = "dev.upstox-token.daemon";

function xml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

type PlistValue = string | boolean | number | PlistValue[] | { [key: string]: PlistValue };

function plistValue(value: PlistValue, indent: string): string {
  if (typeof value === "string") return `${indent}<string>${xml(value)}</string>`;
  if (typeof value === "boolean") return `${indent}<${value}/>`;
  if (typeof value === "number") return `${indent}<integer>${value}</integer>`;
  if (Array.isArray(value)) {
    return [`${indent}<array>`, ...value.map((v) => plistValue(v, `${indent}  `)), `${indent}</array>`].join(
      "\n",
    );
  }
  return plistDict(value, indent);
}

function plistDict(entries: { [key: string]: PlistValue }, indent: string): string {
  const body = Object.entries(entries).flatMap(([key, value]) => [
    `${indent}  <key>${xml(key)}</key>`,
    plistValue(value, `${indent}  `),
  ]);
  return [`${indent}<dict>`, ...body, `${indent}</dict>`].join("\n");
}

/**
 * A LaunchAgent for the daemon. Secrets come through the daemon's own `--env-file` (the one .env parser), the
 * state and lock folders through EnvironmentVariables, so the agent and the user's CLI share them.
 */
export function renderLaunchdPlist(options: {
  command: string[];
  configPath: string;
  environment: Record<string, string>;
  logFile: string;
}): string {
  const dict: { [key: string]: PlistValue } = {
    Label: LAUNCHD_LABEL,
    ProgramArguments: options.command,
    WorkingDirectory: dirname(options.configPath),
    ...(Object.keys(options.environment).length > 0 ? { EnvironmentVariables: options.environment } : {}),
    RunAtLoad: true,
    // Restart when it exits with an error; a clean exit (stop, exit 0) stays down.
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 30,
    Umask: 63,
    StandardOutPath: options.logFile,
    StandardErrorPath: options.logFile,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `upstox-token-daemon install-service`. -->",
    '<plist version="1.0">',
    plistDict(dict, ""),
    "</plist>",
    "",
  ].join("\n");
}

export function launchdLogFile(home: string, serviceName: string): string {
  return join(home, "Library", "Logs", `${serviceName}.log`);
}
