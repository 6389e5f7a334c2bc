import type { Me } from './api';

/** Who is logged in, for forms that record an actor ("created by"). */
let me: Me | 'open' | null = null;

export function setCurrent(m: Me | 'open' | null): void {
  me = m;
}

export function currentUser(): string | undefined {
  return me && me !== 'open' ? me.user : undefined;
}
