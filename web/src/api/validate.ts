// Checks a request body against the API's own constraints (src/api/rules.json, generated from
// the OpenAPI document) before it is sent, so a form shows the same limits the server enforces.
import rulesJson from "./rules.json";

type Rule = {
  type?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  format?: string;
  schema?: string;
  items?: Rule;
};
type SchemaRules = { required: string[]; fields: Record<string, Rule> };
const rules = rulesJson as Record<string, SchemaRules>;

export type RequestSchema = keyof typeof rulesJson;
/** Messages per field; an empty object means the body is valid. */
export type FieldErrors = Record<string, string>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkValue(rule: Rule, value: unknown, path: string, errors: FieldErrors) {
  if (value === undefined || value === null) return;
  if (rule.enum && !rule.enum.includes(value)) {
    errors[path] = "choose one of the options";
    return;
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (rule.minLength !== undefined && length < rule.minLength) {
      errors[path] = rule.minLength === 1 ? "is required" : `must be at least ${rule.minLength} characters`;
    } else if (rule.maxLength !== undefined && length > rule.maxLength) {
      errors[path] = `must be at most ${rule.maxLength} characters`;
    } else if (rule.pattern && !new RegExp(rule.pattern, "u").test(value)) {
      errors[path] = "has characters that are not allowed";
    } else if (rule.format === "email" && !EMAIL.test(value)) {
      errors[path] = "must be an email address";
    }
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value) || ((rule.type === "integer" || rule.format?.startsWith("int")) && !Number.isInteger(value))) {
      errors[path] = "must be a whole number";
    } else if (rule.minimum !== undefined && value < rule.minimum) {
      errors[path] = `must be at least ${rule.minimum}`;
    } else if (rule.maximum !== undefined && value > rule.maximum) {
      errors[path] = `must be at most ${rule.maximum}`;
    }
    return;
  }
  if (Array.isArray(value)) {
    if (rule.minItems !== undefined && value.length < rule.minItems) {
      errors[path] = rule.minItems === 1 ? "needs at least one" : `needs at least ${rule.minItems}`;
    } else if (rule.maxItems !== undefined && value.length > rule.maxItems) {
      errors[path] = `may have at most ${rule.maxItems}`;
    } else if (rule.items) {
      value.forEach((item, index) => checkValue(rule.items as Rule, item, `${path}.${index}`, errors));
    }
    return;
  }
  if (typeof value === "object" && rule.schema) {
    checkObject(rule.schema, value as Record<string, unknown>, `${path}.`, errors);
  }
}

function checkObject(schema: string, body: Record<string, unknown>, prefix: string, errors: FieldErrors) {
  const schemaRules = rules[schema];
  if (!schemaRules) throw new Error(`no rules for ${schema}`);
  for (const name of schemaRules.required) {
    const value = body[name];
    if (value === undefined || value === null || value === "") errors[prefix + name] = "is required";
  }
  for (const [name, rule] of Object.entries(schemaRules.fields)) {
    if (errors[prefix + name]) continue;
    const value = body[name];
    if (value === "" && !schemaRules.required.includes(name)) continue;
    checkValue(rule, value, prefix + name, errors);
  }
}

/** The problems of `body` as a `schema` request; `{}` when there are none. */
export function validate(schema: RequestSchema, body: object): FieldErrors {
  const errors: FieldErrors = {};
  checkObject(schema, body as Record<string, unknown>, "", errors);
  return errors;
}

/** The limits of one field, for the form's own attributes (`maxLength`, `min`, `max`). */
export function limitsOf(schema: RequestSchema, field: string): Rule {
  return rules[schema]?.fields[field] ?? {};
}
