// Plugin loaders take the default export or a named `sink`.
export {
  JsonFileSink,
  jsonFileSink as default,
  jsonFileSink as sink,
  jsonFileSinkOptions,
} from "./json-file-sink.js";
