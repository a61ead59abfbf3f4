import manifest from "../package.json" with { type: "json" };

/** Read from package.json (bundled into the single binary), so `changeset version` is all a release needs. */
export const DAEMON_VERSION: string = manifest.version;
