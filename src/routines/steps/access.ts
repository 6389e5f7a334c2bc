import { z } from 'zod';
import { duration } from '../../config/types.js';
import type { Finding } from '../types.js';
import { day, fmtAge, options, type StepKind } from './types.js';

const schema = options(
  z.strictObject({
    /** tokens (and users) unused for this long should be revoked */
    unused_for: duration({ min: day }).prefault('90d'),
  }),
);

/** The access review: users and API tokens, their last use, stale tokens and admins. */
export const access: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Access review',
  async run(spec, ctx) {
    const users = await ctx.store.users.list();
    const tokens = (await ctx.store.tokens.list()).filter(
      (t) => t.revoked_at === null && (t.expires_at === null || t.expires_at > ctx.now),
    );
    const findings: Finding[] = [];
    const admins = users.filter((u) => u.role === 'admin');
    findings.push({
      status: admins.length > 3 ? 'attention' : 'ok',
      text: `admins: ${admins.map((u) => u.name).join(', ') || 'none'}`,
    });
    for (const u of users) {
      const since = u.last_login_at ?? u.created_at;
      if (ctx.now - since > spec.unused_for)
        findings.push({
          status: 'attention',
          text: `user ${u.name} (${u.role}): ${u.last_login_at === null ? 'never logged in' : `last login ${fmtAge(ctx.now - u.last_login_at)} ago`}`,
        });
    }
    let stale = 0;
    // The longest unused first: those are the ones to revoke.
    tokens.sort((a, b) => (a.last_used_at ?? a.created_at) - (b.last_used_at ?? b.created_at));
    for (const t of tokens) {
      const since = t.last_used_at ?? t.created_at;
      const unused = ctx.now - since > spec.unused_for;
      if (unused) stale++;
      findings.push({
        status: unused ? 'attention' : 'ok',
        text: `token ${t.name} (${t.owner}, ${t.role}): ${t.last_used_at === null ? 'never used' : `last used ${fmtAge(ctx.now - t.last_used_at)} ago`}${unused ? ` — unused for over ${Math.round(spec.unused_for / day)} days, revoke it` : ''}${t.expires_at === null ? ', never expires' : ''}`,
      });
    }
    const attention = findings.filter((f) => f.status !== 'ok').length;
    return {
      status: attention ? 'attention' : 'ok',
      summary: `${users.length} user${users.length === 1 ? '' : 's'} (${admins.length} admin${admins.length === 1 ? '' : 's'}), ${tokens.length} active token${tokens.length === 1 ? '' : 's'}${stale ? `, ${stale} unused for over ${Math.round(spec.unused_for / day)} days` : ''}`,
      findings,
    };
  },
};
