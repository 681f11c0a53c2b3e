// Writes src/api/rules.json: the constraints the API checks on every request body (lengths,
// patterns, ranges, list sizes, required fields), read from the committed OpenAPI document, so
// the forms validate exactly as the server does and follow it when it changes.
import { readFileSync, writeFileSync } from "node:fs";

const document = JSON.parse(readFileSync(new URL("../../gateway/openapi.json", import.meta.url)));
const schemas = document.components.schemas;
const KEPT = ["type", "minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems", "enum", "format"];

const refName = (schema) => schema?.$ref?.split("/").pop();

// A property's own constraints; a reference (`Money`, `CategorySlug`) is named, and followed.
function field(schema, queue) {
  const variants = schema.oneOf ?? schema.anyOf ?? schema.allOf;
  const inner = variants ? variants.find((s) => s.type !== "null") ?? schema : schema;
  const rule = {};
  const ref = refName(inner);
  if (ref) {
    queue.push(ref);
    const target = schemas[ref];
    if (target.enum) rule.enum = target.enum.filter((v) => v !== null);
    else rule.schema = ref;
  }
  for (const key of KEPT) {
    if (inner[key] !== undefined) rule[key] = inner[key];
  }
  if (Array.isArray(rule.type)) rule.type = rule.type.find((t) => t !== "null");
  if (rule.enum) rule.enum = rule.enum.filter((v) => v !== null);
  if (inner.items) rule.items = field(inner.items, queue);
  return rule;
}

const queue = [];
for (const path of Object.values(document.paths)) {
  for (const operation of Object.values(path)) {
    const ref = refName(operation?.requestBody?.content?.["application/json"]?.schema);
    if (ref) queue.push(ref);
  }
}
const rules = {};
while (queue.length > 0) {
  const name = queue.shift();
  if (rules[name] || !schemas[name]?.properties) continue;
  const schema = schemas[name];
  rules[name] = {
    required: schema.required ?? [],
    fields: Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, field(value, queue)])),
  };
}
writeFileSync(new URL("../src/api/rules.json", import.meta.url), JSON.stringify(rules, null, 1) + "\n");
