/** Status is shown by colour, icon and word together: never by colour alone. */
const looks: Record<string, { icon: string; word: string }> = {
  ok: { icon: '✓', word: 'Up' },
  up: { icon: '✓', word: 'Up' },
  warning: { icon: '!', word: 'Warning' },
  degraded: { icon: '!', word: 'Degraded' },
  critical: { icon: '‼', word: 'Critical' },
  down: { icon: '✕', word: 'Down' },
  unknown: { icon: '?', word: 'Unknown' },
  pending: { icon: '…', word: 'Pending' },
  firing: { icon: '▲', word: 'Firing' },
  inactive: { icon: '–', word: 'Inactive' },
  open: { icon: '●', word: 'Open' },
  acknowledged: { icon: '◐', word: 'Acknowledged' },
  resolved: { icon: '✓', word: 'Resolved' },
  active: { icon: '■', word: 'Active' },
  expired: { icon: '–', word: 'Expired' },
};

/**
 * How a check's run reads: critical and unreachable is Down; critical but answering (a host at
 * 97% CPU, a certificate about to expire) is Critical, in trouble but there. Without `up` (a
 * payload from before Vigil knew it) critical reads Down, as it always did.
 */
export function checkLook(status: string, up: boolean | null | undefined): string {
  return status === 'critical' && up !== true ? 'down' : status;
}

/** `word` overrides the status's own word where it reads wrong (a job's run is "OK", not "Up"). */
export function StatusBadge({ status, word }: { status: string; word?: string }) {
  const l = { ...(looks[status] ?? { icon: '?', word: status }), ...(word ? { word } : {}) };
  return (
    <span class={`badge s-${status}`}>
      <span aria-hidden="true">{l.icon}</span> {l.word}
    </span>
  );
}
