import manifest from "../package.json" with { type: "json" };

/** Read from package.json (bundled into the single binaries), so `changeset version` is all a release needs. */
export const CLI_VERSION: string = manifest.version;
