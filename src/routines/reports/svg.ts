import type { Chart } from '../types.js';
import { escapeHtml } from './escape.js';

const colors = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#dc2626', '#0891b2'];
const W = 480;
const H = 110;
const pad = { l: 46, r: 8, t: 16, b: 18 };

const day = (t: number) => new Date(t).toISOString().slice(5, 10);
const label = (v: number, unit: Chart['unit']) =>
  unit === 'ratio'
    ? `${(v * 100).toFixed(v >= 0.999 || v <= 0.9 ? 1 : 2)}%`
    : v >= 1000
      ? `${(v / 1000).toFixed(1)} s`
      : `${Math.round(v)} ms`;

/**
 * A chart as inline SVG: no script, no external asset, sized in the markup so
 * a mail client shows it as it is. Bars draw one small chart per series
 * (availability per day), lines draw every series on one chart (p95 per day).
 */
export function chartSvg(chart: Chart): string {
  if (chart.kind === 'bars')
    return chart.series.map((s, i) => barsSvg(chart, s, colors[i % colors.length]!)).join('\n');
  return lineSvg(chart);
}

function frame(
  title: string,
  lo: number,
  hi: number,
  unit: Chart['unit'],
  inner: string,
  first: number,
  last: number,
): string {
  const x0 = pad.l;
  const y0 = H - pad.b;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}" style="font-family:sans-serif;font-size:10px">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line x1="${x0}" y1="${pad.t}" x2="${x0}" y2="${y0}" stroke="#999"/>`,
    `<line x1="${x0}" y1="${y0}" x2="${W - pad.r}" y2="${y0}" stroke="#999"/>`,
    `<text x="${x0 - 4}" y="${pad.t + 4}" text-anchor="end" fill="#555">${label(hi, unit)}</text>`,
    `<text x="${x0 - 4}" y="${y0}" text-anchor="end" fill="#555">${label(lo, unit)}</text>`,
    `<text x="${x0}" y="${H - 4}" fill="#555">${day(first)}</text>`,
    `<text x="${W - pad.r}" y="${H - 4}" text-anchor="end" fill="#555">${day(last)}</text>`,
    inner,
    '</svg>',
  ].join('');
}

function barsSvg(chart: Chart, s: Chart['series'][number], color: string): string {
  const values = s.points.map((p) => p.v).filter((v): v is number => v !== null);
  if (!s.points.length) return '';
  let lo = Math.min(...values, chart.target ?? Infinity);
  const hi = chart.unit === 'ratio' ? 1 : Math.max(...values, 1);
  lo = chart.unit === 'ratio' ? Math.max(0, lo - (hi - lo) * 0.2 - 0.0005) : 0;
  const y = (v: number) => H - pad.b - ((v - lo) / (hi - lo || 1)) * (H - pad.b - pad.t);
  const slot = (W - pad.l - pad.r) / s.points.length;
  const bars = s.points
    .map((p, i) => {
      if (p.v === null) return '';
      const top = y(p.v);
      const below = chart.target !== undefined && p.v < chart.target;
      return `<rect x="${(pad.l + i * slot + slot * 0.15).toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${Math.max(1, H - pad.b - top).toFixed(1)}" fill="${below ? '#dc2626' : color}"><title>${day(p.t)}: ${label(p.v, chart.unit)}</title></rect>`;
    })
    .join('');
  const target =
    chart.target !== undefined
      ? `<line x1="${pad.l}" y1="${y(chart.target).toFixed(1)}" x2="${W - pad.r}" y2="${y(chart.target).toFixed(1)}" stroke="#555" stroke-dasharray="3,3"/>`
      : '';
  const name = `<text x="${pad.l}" y="10" fill="#111">${escapeHtml(s.name)}</text>`;
  return frame(
    `${chart.title}: ${s.name}`,
    lo,
    hi,
    chart.unit,
    bars + target + name,
    s.points[0]!.t,
    s.points.at(-1)!.t,
  );
}

function lineSvg(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points);
  const values = all.map((p) => p.v).filter((v): v is number => v !== null);
  if (!values.length) return '';
  const hi = Math.max(...values) * 1.1;
  const lo = 0;
  const first = Math.min(...all.map((p) => p.t));
  const last = Math.max(...all.map((p) => p.t));
  const x = (t: number) => pad.l + ((t - first) / (last - first || 1)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - ((v - lo) / (hi - lo || 1)) * (H - pad.b - pad.t);
  const lines = chart.series
    .map((s, i) => {
      const pts = s.points
        .filter((p) => p.v !== null)
        .map((p) => `${x(p.t).toFixed(1)},${y(p.v!).toFixed(1)}`);
      const color = colors[i % colors.length]!;
      return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/><text x="${W - pad.r - 4}" y="${pad.t + 10 + i * 11}" text-anchor="end" fill="${color}">${escapeHtml(s.name)}</text>`;
    })
    .join('');
  return frame(chart.title, lo, hi, chart.unit, lines, first, last);
}
