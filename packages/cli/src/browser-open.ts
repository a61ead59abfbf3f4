import { spawn } from "node:child_process";

/** The platform's "open this URL" command; $BROWSER wins when set (as in xdg-utils and Python's webbrowser). */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: Record<string, string | undefined> = process.env,
): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (platform === "darwin") return ["open", [url]];
  // rundll32 avoids cmd.exe's parsing of & in the query string.
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/** Starts the browser and returns without waiting for it; rejects when the command cannot be started. */
export function openBrowser(url: string): Promise<void> {
  const [command, args] = browserCommand(url);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.once("error", reject);
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
