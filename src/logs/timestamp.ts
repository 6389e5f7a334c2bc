/**
 * The time a log line carries, in ms since the epoch, or undefined. Understands
 * ISO 8601 / RFC 3339 at or near the start (`2026-11-27T03:14:15.123Z`,
 * `2026-11-27 03:14:15,123`), syslog's `Nov 27 03:14:15` (the year is taken from
 * `now`) and JSON lines' `time`/`ts`/`timestamp`/`@timestamp` fields (ISO text,
 * or epoch seconds/milliseconds). A time without a zone is local time, as the
 * writer's clock meant it.
 */
export function lineTime(line: string, now: number): number | undefined {
  const fast = isoPrefix(line);
  if (fast !== undefined) return fast;
  const head = line.length > 200 ? line.slice(0, 200) : line;
  const iso = isoRe.exec(head);
  if (iso) return isoMs(iso);
  const sys = syslogRe.exec(head);
  if (sys) {
    const month = months.indexOf(sys[1]!);
    const year = new Date(now).getFullYear();
    let t = new Date(year, month, Number(sys[2]), Number(sys[3]), Number(sys[4]), Number(sys[5])).getTime();
    // "Dec 31" read on Jan 1 belongs to last year
    if (t > now + 86_400_000)
      t = new Date(year - 1, month, Number(sys[2]), Number(sys[3]), Number(sys[4]), Number(sys[5])).getTime();
    return t;
  }
  if (line.charCodeAt(0) === 123 /* { */) {
    const m = jsonTimeRe.exec(line);
    if (m) {
      if (m[1] !== undefined) {
        const i = isoRe.exec(m[1]);
        return i ? isoMs(i) : undefined;
      }
      const n = Number(m[2]);
      return n > 1e11 ? n : n * 1000;
    }
  }
  return undefined;
}

const isoRe = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;
const syslogRe = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})/;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const jsonTimeRe = /"(?:time|ts|timestamp|@timestamp)"\s*:\s*(?:"([^"]*)"|(\d+(?:\.\d+)?))/;

function isoMs(m: RegExpExecArray): number {
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const zone = m[8];
  if (zone === undefined) return new Date(y!, mo! - 1, d, h, mi, s, ms).getTime();
  const utc = Date.UTC(y!, mo! - 1, d, h, mi, s, ms);
  if (zone === 'Z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  return utc - sign * offset;
}

let cachedMinute = '';
let cachedMinuteMs = 0;

/**
 * `2026-11-27T03:14:15.123Z` at the very start, by character arithmetic: the
 * common case, and the hot one in a scan (lines of one minute share a prefix).
 */
function isoPrefix(line: string): number | undefined {
  if (line.length < 20 || line.charCodeAt(4) !== 45 || line.charCodeAt(13) !== 58) return undefined;
  const t = line.charCodeAt(10);
  if (t !== 84 && t !== 32) return undefined;
  let end = 19;
  let ms = 0;
  if (line.charCodeAt(19) === 46 || line.charCodeAt(19) === 44) {
    let k = 20;
    let digits = 0;
    while (k < line.length && digits < 9) {
      const d = line.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      if (digits < 3) ms = ms * 10 + d;
      digits++;
      k++;
    }
    if (digits === 0) return undefined;
    for (let p = digits; p < 3; p++) ms *= 10;
    end = k;
  }
  if (line.charCodeAt(end) !== 90) return undefined; // only Z takes the fast path
  const minute = line.slice(0, 16);
  if (minute !== cachedMinute) {
    const m = isoRe.exec(`${minute}:00Z`);
    if (m?.index !== 0) return undefined;
    cachedMinute = minute;
    cachedMinuteMs = isoMs(m);
  }
  const s1 = line.charCodeAt(17) - 48;
  const s2 = line.charCodeAt(18) - 48;
  if (s1 < 0 || s1 > 6 || s2 < 0 || s2 > 9) return undefined;
  return cachedMinuteMs + (s1 * 10 + s2) * 1000 + ms;
}
