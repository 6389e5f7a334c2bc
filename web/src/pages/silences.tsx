import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { time } from '../format';
import { StatusBadge } from '../parts/status';
import { currentUser } from '../session';

interface Silence {
  id: string;
  matchers: string[];
  state: string;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  remaining: string;
}

export function SilenceForm({ initial, onDone }: { initial: string[]; onDone(): void }) {
  const [matchers, setMatchers] = useState(initial.join('\n'));
  const [duration, setDuration] = useState('1h');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="card"
      aria-label="New silence"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api('/silences', {
            method: 'POST',
            body: {
              matchers: matchers
                .split('\n')
                .map((m) => m.trim())
                .filter(Boolean),
              duration,
              comment,
              createdBy: currentUser() ?? 'dashboard',
            },
          });
          onDone();
        } catch (err) {
          setError(
            err instanceof ApiError ? `${err.message}${err.hint ? ` (${err.hint})` : ''}` : String(err),
          );
        }
      }}
    >
      <h2>New silence</h2>
      <label>
        Matchers, one per line
        <textarea rows={3} value={matchers} required onInput={(e) => setMatchers(e.currentTarget.value)} />
      </label>
      <label>
        Duration
        <input
          value={duration}
          required
          placeholder="2h"
          onInput={(e) => setDuration(e.currentTarget.value)}
        />
      </label>
      <label>
        Comment
        <input
          value={comment}
          required
          placeholder="why"
          onInput={(e) => setComment(e.currentTarget.value)}
        />
      </label>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit">Create silence</button>
        <button type="button" class="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function SilencesPage({ canOperate }: { canOperate: boolean }) {
  const [list, setList] = useState<Silence[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ silences: Silence[] }>('/silences?all=true').then(
      (r) => setList(r.silences),
      (e: Error) => setError(e.message),
    );
  }, [tick]);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!list) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="silences-title">
      <h1 id="silences-title">Silences</h1>
      {canOperate && !creating ? (
        <button type="button" onClick={() => setCreating(true)}>
          New silence…
        </button>
      ) : null}
      {creating ? (
        <SilenceForm
          initial={[]}
          onDone={() => {
            setCreating(false);
            setTick((t) => t + 1);
          }}
        />
      ) : null}
      {list.length === 0 ? (
        <p>No silences.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Matchers</th>
              <th scope="col">Until</th>
              <th scope="col">By</th>
              <th scope="col">Comment</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id} data-silence={s.id}>
                <td>
                  <StatusBadge status={s.state} />
                </td>
                <td class="labels">{s.matchers.join(', ')}</td>
                <td>
                  {time(s.endsAt)}
                  {s.remaining ? ` (${s.remaining} left)` : ''}
                </td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                <td>
                  {canOperate && s.state !== 'expired' ? (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        api(`/silences/${s.id}`, { method: 'DELETE' }).then(
                          () => setTick((t) => t + 1),
                          (e: Error) => setError(e.message),
                        )
                      }
                    >
                      Expire
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
