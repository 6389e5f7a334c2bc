/**
 * Hourly availability as bars (SVG attributes, not styles, so the CSP's
 * style-src 'self' holds). A missing hour is a short grey bar.
 */
export function Spark({ values, label }: { values: (number | null)[]; label: string }) {
  const w = 3;
  const gap = 1;
  const h = 20;
  return (
    <svg
      class="spark"
      width={values.length * (w + gap)}
      height={h}
      viewBox={`0 0 ${values.length * (w + gap)} ${h}`}
      role="img"
      aria-label={label}
    >
      {values.map((v, i) => {
        const height = v === null ? 3 : Math.max(3, Math.round(v * h));
        const cls = v === null ? 'none' : v >= 0.999 ? 'good' : v >= 0.95 ? 'fair' : 'bad';
        return <rect key={i} x={i * (w + gap)} y={h - height} width={w} height={height} class={cls} />;
      })}
    </svg>
  );
}

/** 90 daily bars for the status page, each with its day and uptime as a tooltip. */
export function UptimeBars({
  days,
  firstDay,
  name,
}: {
  days: (number | null)[];
  firstDay: number;
  name: string;
}) {
  return (
    <svg
      class="bars"
      viewBox={`0 0 ${days.length * 4} 24`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${name}: daily uptime, last ${days.length} days`}
    >
      {days.map((v, i) => {
        const day = new Date(firstDay + i * 86_400_000).toISOString().slice(0, 10);
        const cls = v === null ? 'none' : v >= 0.999 ? 'good' : v >= 0.95 ? 'fair' : 'bad';
        return (
          <rect key={day} x={i * 4} y={0} width={3} height={24} class={cls}>
            <title>{`${day}: ${v === null ? 'no data' : `${(v * 100).toFixed(2)}% up`}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
