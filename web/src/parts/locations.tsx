import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { millis, time } from '../format';
import { StatusBadge } from './status';

export interface LocationsView {
  quorum: number;
  quorumSpec: string | number | null;
  state: 'up' | 'degraded' | 'down' | 'unknown';
  message: string;
  failing: string[];
  missing: string[];
  locations: {
    location: string;
    state: 'up' | 'down' | 'unknown';
    lastRunAt: string | null;
    durationMs: number | null;
    message: string | null;
  }[];
}

/**
 * A check run from several places: each location's state and latency side by
 * side, and the verdict by quorum above them, so one region's bad day reads as
 * "degraded in eu-west", not as a red tile.
 */
export function Locations({ name, tick }: { name: string; tick: number }) {
  const [view, setView] = useState<LocationsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<LocationsView>(`/checks/${encodeURIComponent(name)}/locations`).then(setView, (e: Error) =>
      setError(e.message),
    );
  }, [name, tick]);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!view) return <p aria-busy="true">Loading locations…</p>;
  return (
    <>
      <p>
        <StatusBadge status={view.state} /> {view.message}{' '}
        <span class="hint">
          (down when {view.quorum} of {view.locations.length} locations fail
          {view.quorumSpec && typeof view.quorumSpec === 'string' ? `: ${view.quorumSpec}` : ''})
        </span>
      </p>
      <ul class="locations" aria-label="State and latency in each location">
        {view.locations.map((l) => (
          <li key={l.location} class={`card loc-${l.state}`}>
            <h3>{l.location}</h3>
            <StatusBadge status={l.state} />
            <strong class="latency">
              {l.state === 'unknown' || l.durationMs === null ? '—' : millis(l.durationMs)}
            </strong>
            <span class="when">{l.lastRunAt ? time(l.lastRunAt) : 'never reported'}</span>
            {l.message ? <span class="msg">{l.message}</span> : null}
          </li>
        ))}
      </ul>
    </>
  );
}
