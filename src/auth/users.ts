import type { Store } from '../store/store.js';
import { generatePassword, hashPassword } from './password.js';
import type { Role } from './roles.js';

/**
 * On first start there is nobody to log in as: create `admin` with the
 * password from VIGIL_ADMIN_PASSWORD, or a random one that is returned so the
 * daemon can print it once. Never logged, never stored in clear.
 */
export async function ensureFirstAdmin(
  store: Store,
  env: NodeJS.ProcessEnv,
  now: number,
): Promise<{ name: string; password?: string } | undefined> {
  if ((await store.users.count()) > 0) return undefined;
  const given = env.VIGIL_ADMIN_PASSWORD;
  const password = given || generatePassword();
  const created = await store.users.add('admin', 'admin', await hashPassword(password), now);
  if (!created) return undefined; // another node got there first
  return given ? { name: 'admin' } : { name: 'admin', password };
}

export async function addUser(store: Store, name: string, role: Role, password: string, now: number) {
  return store.users.add(name, role, await hashPassword(password), now);
}
