export { type AtomicWriteOptions, writeFileAtomic } from "./atomic-write.js";
export { encodeEnvValue, findEnvEntries, setEnvValues } from "./env-document.js";
export { accountKeyPrefix, EnvFileSink } from "./env-file-sink.js";
export { envSink } from "./env-sink.js";
export {
  type EnvSinkKeys,
  type EnvSinkOptions,
  type EnvSinkOptionsInput,
  envSinkKeys,
  envSinkOptions,
  fileMode,
} from "./options.js";
