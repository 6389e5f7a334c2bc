import { jsonSchema } from '../config/json-schema.js';
import type { Io } from './output.js';

export function schemaCommand(io: Io): number {
  io.out(JSON.stringify(jsonSchema(), null, 2));
  return 0;
}
