import { z } from 'zod';
import { checkKindNames } from '../checks/registry.js';
import { configSchema } from './schema.js';

/**
 * The JSON Schema of vigil.yaml, generated from the schema that validates it,
 * so editors (yaml-language-server) autocomplete exactly what Vigil accepts.
 * A check must hold exactly one kind: zod's refinement cannot be expressed, so
 * it is added here as `oneOf`.
 */
export function jsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  const check = schema.properties?.checks?.items;
  if (check) check.oneOf = checkKindNames.map((k) => ({ required: [k] }));
  return {
    $id: 'https://vigil.dev/schema/vigil.json',
    title: 'vigil.yaml',
    ...schema,
  };
}
