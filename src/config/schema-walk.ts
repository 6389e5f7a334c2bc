import type { z } from 'zod';

/**
 * The keys an object schema accepts at a path, for did-you-mean hints. Zod has
 * no public API for walking a schema, so this reads its definitions
 * (`_zod.def`), which are part of zod 4's documented core for library authors.
 */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: any = unwrap(schema);
  for (const seg of path) {
    if (!s) return [];
    const def = s._zod.def;
    if (def.type === 'object') s = unwrap(def.shape[seg]);
    else if (def.type === 'array') s = unwrap(def.element);
    else if (def.type === 'record') s = unwrap(def.valueType);
    else return [];
  }
  return s && s._zod.def.type === 'object' ? Object.keys(s._zod.def.shape) : [];
}

function unwrap(schema: any): any {
  let s = schema;
  for (let i = 0; s && i < 20; i++) {
    const def = s._zod.def;
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(def.type))
      s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else break;
  }
  return s;
}
