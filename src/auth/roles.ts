/**
 * Who may do what. Three roles for people, as the guide's weekly access review
 * expects to read them: viewers look, operators act on alerts, incidents,
 * silences, sign-offs and changes, admins also manage users and tokens and may
 * override the deploy gate. A fourth, `probe`, is for the agents that run checks
 * from elsewhere: it reads nothing but its own location's checks and pushes results.
 */
export const roles = ['viewer', 'operator', 'admin', 'probe'] as const;
export type Role = (typeof roles)[number];

/**
 * `alerts.receive`: post alerts in, as Prometheus and Alertmanager do (an operator's token, not a viewer's).
 * `results.push`: push a result made elsewhere (a cron job, a CI pipeline) for an `external` check.
 * `probe`: fetch the checks of the token's own location and push their results.
 */
export type Right =
  | 'read'
  | 'operate'
  | 'alerts.receive'
  | 'results.push'
  | 'probe'
  | 'change.override'
  | 'admin';

const granted: Record<Role, ReadonlySet<Right>> = {
  viewer: new Set(['read']),
  operator: new Set(['read', 'operate', 'alerts.receive', 'results.push']),
  admin: new Set(['read', 'operate', 'alerts.receive', 'results.push', 'change.override', 'admin']),
  // no `read`: a probe's token sits on machines elsewhere, and a stolen one must show nothing
  probe: new Set(['probe']),
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
  /** a probe token's location: the only checks it may fetch and push results for */
  location?: string;
}
