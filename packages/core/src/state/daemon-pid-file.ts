import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { isProcessAlive } from "../locks/process-alive.js";
import { configKey, stateLayout } from "./state-layout.js";

export interface DaemonPidFile {
  file: string;
  /** Removes the file if it is still this process's. Idempotent. */
  release(): void;
}

/**
 * One daemon per config on a host: `<state>/daemons/<configKey>.pid` holds "pid@host". Created exclusively; a
 * file whose process is gone (this host, ESRCH) is taken over; a live one refuses the start with a ConfigError
 * (exit 2) naming its PID.
 */
export function claimDaemonPidFile(stateDir: string, configPath: string): DaemonPidFile {
  const file = stateLayout.daemonPid(stateDir, configKey(resolve(configPath)));
  const mine = `${process.pid}@${hostname()}`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(file, `${mine}\n`, { flag: "wx", mode: 0o600 });
      return release(file, mine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const other = readPidFile(file);
    if (other && !(other.host === hostname() && !isProcessAlive(other.pid)) && other.pid !== process.pid) {
      const where = other.host === hostname() ? "" : ` on ${other.host}`;
      throw new ConfigError(
        `another daemon (PID ${other.pid}${where}) already runs with the config ${resolve(configPath)}`,
        {
          field: "--config",
          hint: `Stop that daemon first (kill ${other.pid}), or reload it with SIGHUP. If no such daemon runs, delete ${file}.`,
        },
      );
    }
    if (other?.pid === process.pid) return release(file, mine);
    // Unreadable, or its process is gone: replace it, then check that this process's claim is the one kept.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${mine}\n`, { mode: 0o600 });
    renameSync(temp, file);
    if (readPidFile(file)?.pid === process.pid) return release(file, mine);
  }
  throw new ConfigError(`could not claim the daemon pid file ${file}`, { field: "--config" });
}

function release(file: string, mine: string): DaemonPidFile {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        if (readFileSync(file, "utf8").trim() === mine) rmSync(file, { force: true });
      } catch {}
    },
  };
}

function readPidFile(file: string): { pid: number; host: string } | null {
  try {
    const match = /^(\d+)@(.+)$/.exec(readFileSync(file, "utf8").trim());
    return match ? { pid: Number(match[1]), host: match[2]! } : null;
  } catch {
    return null;
  }
}
