import { daemonConfigSchema } from "@upstox-token/core/daemon-config";
import { z } from "zod";

/** The JSON Schema of the config file's input form (what a user writes), for editors. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(daemonConfigSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: "https://github.com/upstox-token/upstox-token/apps/daemon/upstox-token.config.schema.json",
    title: "upstox-token daemon config",
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
