/**
 * Who may do what. Three roles, as the guide's weekly access review expects to
 * read them: viewers look, operators act on alerts, incidents, silences,
 * sign-offs and changes, admins also manage users and tokens and may override
 * the deploy gate.
 */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** `alerts.receive`: post alerts in, as Prometheus and Alertmanager do (an operator's token, not a viewer's) */
export type Right = 'read' | 'operate' | 'alerts.receive' | 'change.override' | 'admin';

const granted: Record<Role, ReadonlySet<Right>> = {
  viewer: new Set(['read']),
  operator: new Set(['read', 'operate', 'alerts.receive']),
  admin: new Set(['read', 'operate', 'alerts.receive', 'change.override', 'admin']),
};

export function can(role: Role, right: Right): boolean {
  return granted[role].has(right);
}

export function isRole(s: string): s is Role {
  return (roles as readonly string[]).includes(s);
}

/** Who is asking: a person with a session, or a script with an API token. */
export interface Principal {
  name: string;
  role: Role;
  via: 'session' | 'token';
}
