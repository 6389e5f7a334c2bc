import { useState } from 'preact/hooks';
import { ApiError, api, type Me } from '../api';

export function LoginPage({ onLogin }: { onLogin(me: Me): void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <form
        class="card"
        aria-labelledby="login-title"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            onLogin(await api<Me>('/auth/login', { method: 'POST', body: { user, password } }));
          } catch (err) {
            setError(
              err instanceof ApiError && err.status === 401
                ? 'Wrong user name or password.'
                : err instanceof ApiError && err.status === 429
                  ? 'Too many attempts; wait a minute and try again.'
                  : String((err as Error).message),
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="login-title">Sign in to Vigil</h1>
        <label>
          User
          <input
            name="user"
            autocomplete="username"
            required
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p class="hint">
          The first admin's password is printed once when Vigil first starts, or set by{' '}
          <code>VIGIL_ADMIN_PASSWORD</code>.
        </p>
      </form>
    </main>
  );
}
