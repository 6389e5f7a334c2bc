import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { StatusBadge } from './status';

interface Channel {
  name: string;
  provider: string | null;
  target: string | null;
}

interface Sent {
  ok: boolean;
  answer: string;
  retry?: boolean;
}

/** The configured notification channels, each with "Send test" (as `vigil notify test`). */
export function ChannelsSection({ canOperate }: { canOperate: boolean }) {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [sent, setSent] = useState<Record<string, Sent | 'sending'>>({});
  useEffect(() => {
    api<{ channels: Channel[] }>('/notify/channels').then(
      (r) => setChannels(r.channels),
      () => setChannels([]),
    );
  }, []);
  if (!channels) return null;
  const send = async (name: string) => {
    setSent((s) => ({ ...s, [name]: 'sending' }));
    try {
      const r = await api<Sent>(`/notify/channels/${encodeURIComponent(name)}/test`, { method: 'POST' });
      setSent((s) => ({ ...s, [name]: r }));
    } catch (e) {
      const answer = e instanceof ApiError ? e.message : String(e);
      setSent((s) => ({ ...s, [name]: { ok: false, answer } }));
    }
  };
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Notification channels</h2>
      {channels.length === 0 ? (
        <p>No channels are configured (notify: in vigil.yaml).</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Kind</th>
              <th scope="col">Sends to</th>
              <th scope="col">Test</th>
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => {
              const s = sent[c.name];
              return (
                <tr key={c.name} data-channel={c.name}>
                  <td>{c.name}</td>
                  <td>{c.provider ?? '—'}</td>
                  <td class="labels">{c.target ?? '—'}</td>
                  <td>
                    {canOperate ? (
                      <button
                        type="button"
                        class="secondary"
                        disabled={s === 'sending'}
                        onClick={() => void send(c.name)}
                      >
                        {s === 'sending' ? 'Sending…' : 'Send test'}
                      </button>
                    ) : null}
                    {s && s !== 'sending' ? (
                      <div role="status">
                        <StatusBadge status={s.ok ? 'ok' : 'down'} word={s.ok ? 'Received' : 'Refused'} />{' '}
                        {s.answer}
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
