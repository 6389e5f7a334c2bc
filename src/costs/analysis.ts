import { linearRegression } from '../metrics/promql/rate.js';
import type { CostLine } from './billing.js';

const day = 86_400_000;

export interface CostSummary {
  currency: string;
  monthToDate: number;
  forecast: number;
  lastMonth: number | null;
  /** forecast against last month, as a ratio (0.09 = +9%) */
  change: number | null;
  top: { item: string; cost: number }[];
}

export const monthStart = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
export const nextMonthStart = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/**
 * Month to date, the forecast to the month's end and the change against last month. The
 * forecast fits the month's cumulative daily cost by least squares and extrapolates it to
 * the month's end, as the capacity step and PromQL's predict_linear do.
 */
export function summarise(lines: readonly CostLine[], now: number, monthlyFixed = 0): CostSummary {
  const start = monthStart(now);
  const end = nextMonthStart(now);
  const prevStart = monthStart(start - 1);
  const inMonth = lines.filter((l) => l.at >= start && l.at < now);
  const prev = lines.filter((l) => l.at >= prevStart && l.at < start);
  const elapsed = (now - start) / (end - start);
  const fixedSoFar = monthlyFixed * elapsed;
  const billed = inMonth.reduce((s, l) => s + l.cost, 0);
  // cumulative cost at the end of each day that has lines
  const byDay = new Map<number, number>();
  for (const l of inMonth) {
    const d = Math.floor((l.at - start) / day);
    byDay.set(d, (byDay.get(d) ?? 0) + l.cost);
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  let forecastBilled = billed;
  if (days.length >= 2) {
    let acc = 0;
    const points = days.map((d) => {
      acc += byDay.get(d)!;
      return { t: start + (d + 1) * day, v: acc };
    });
    const lastT = points.at(-1)!.t;
    const [slopePerSecond, atLast] = linearRegression(points, lastT);
    forecastBilled = Math.max(billed, atLast + (slopePerSecond * (end - lastT)) / 1000);
  } else if (elapsed > 0) forecastBilled = billed / elapsed;
  const lastMonth = prev.length ? prev.reduce((s, l) => s + l.cost, 0) + monthlyFixed : null;
  const forecast = forecastBilled + monthlyFixed;
  const items = new Map<string, number>();
  for (const l of inMonth) {
    const k = l.resource ? `${l.service} ${l.resource}` : l.service;
    items.set(k, (items.get(k) ?? 0) + l.cost);
  }
  return {
    currency: inMonth[0]?.currency ?? prev[0]?.currency ?? 'USD',
    monthToDate: billed + fixedSoFar,
    forecast,
    lastMonth,
    change: lastMonth ? forecast / lastMonth - 1 : null,
    top: [...items].map(([item, cost]) => ({ item, cost })).sort((a, b) => b.cost - a.cost),
  };
}

export const money = (v: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(v);
