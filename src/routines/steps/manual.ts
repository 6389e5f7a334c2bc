import { z } from 'zod';
import type { StepKind } from './types.js';

const full = z.strictObject({
  text: z.string().min(1),
  checklist: z.array(z.string().min(1)).default([]),
});
const schema = z.union([
  z
    .string()
    .min(1)
    .transform((text) => ({ text, checklist: [] as string[] })),
  full,
]);

/** Something a person does: the run waits until they sign it off. */
export const manual: StepKind<z.output<typeof schema>> = {
  schema,
  title: (s) => s.text,
  async run(spec) {
    return {
      status: 'pending',
      summary: spec.checklist.length
        ? `${spec.checklist.length} items to check, then sign off`
        : 'to be done and signed off by a person',
      findings: [],
      ...(spec.checklist.length ? { checklist: spec.checklist } : {}),
    };
  },
};
