import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { z } from 'zod';
import { describe } from '../errors.js';
import { familyResolver } from '../metrics/exposition/families.js';
import {
  ExpositionError,
  type ExpositionFormat,
  formatOf,
  scanExposition,
} from '../metrics/exposition/parse.js';
import type { CheckContext, CheckKind, KindOutcome, Sample } from './types.js';

const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name is letters, digits and "_", not starting with a digit')
  .refine((n) => !n.startsWith('__'), 'label names starting with "__" are reserved');

const schema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  /** the `job` label; default: the check's name */
  job: z.string().min(1).optional(),
  /** the `instance` label; default: host:port of the url */
  instance: z.string().min(1).optional(),
  /** added to every sample, like a Prometheus static_config's labels */
  labels: z
    .record(labelName, z.string())
    .refine(
      (l) => !Object.hasOwn(l, 'job') && !Object.hasOwn(l, 'instance'),
      'set job and instance with `job:` and `instance:`',
    )
    .refine((l) => !Object.hasOwn(l, 'check'), "the check label is the check's name; Vigil sets it")
    .default({}),
  /** more samples than this fail the scrape and keep none of them (Prometheus's sample_limit) */
  max_samples: z.number().int().positive().default(50_000),
  /** labels of one sample, target labels and the name included (Prometheus's label_limit) */
  label_limit: z.number().int().positive().default(64),
  /** characters of a label name (Prometheus's label_name_length_limit) */
  label_name_length_limit: z.number().int().positive().default(256),
  /** characters of a label value or metric name (Prometheus's label_value_length_limit) */
  label_value_length_limit: z.number().int().positive().default(4096),
  /** on a clash, keep the scraped label rather than the target's (Prometheus's honor_labels) */
  honor_labels: z.boolean().default(false),
  accept_openmetrics: z.boolean().default(true),
});

export type ScrapeSpec = z.output<typeof schema>;

/** A target may answer with at most this much (after gzip); Vigil stops reading there. */
export const maxBodyBytes = 64 * 1024 * 1024;

// What Prometheus sends when it does not ask for protobuf.
const acceptOpenMetrics =
  'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1';
const acceptText = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/**
 * Reads a Prometheus exposition and records its samples, labelled with
 * `job` and `instance` (and `labels`) the way Prometheus labels a target's.
 * All or nothing: a scrape over `max_samples`, or one with a syntax error,
 * records none of the target's samples.
 */
export const scrapeCheck: CheckKind<ScrapeSpec> = {
  schema,
  target: (spec) => spec.url,
  async run(spec, ctx) {
    const started = performance.now();
    const url = new URL(spec.url);
    const target = new Map<string, string>([
      ['job', spec.job ?? ctx.name],
      ['instance', spec.instance ?? hostPort(url)],
      ...Object.entries(spec.labels),
    ]);
    const targetLabels = Object.fromEntries(target);
    const report = (scrapeMs: number, scraped?: number): Sample[] => [
      { name: 'scrape_duration_seconds', labels: targetLabels, value: scrapeMs / 1000 },
      ...(scraped === undefined
        ? []
        : [{ name: 'scrape_samples_scraped', labels: targetLabels, value: scraped }]),
    ];
    const fail = (message: string, scraped?: number): KindOutcome => {
      const ms = performance.now() - started;
      return { status: 'critical', message, durationMs: ms, samples: report(ms, scraped) };
    };

    const res = await fetchFollowingRedirects(url, spec, ctx);
    if (typeof res === 'string') return fail(res);
    // As Prometheus measures it: the HTTP exchange, not the parsing.
    const scrapeMs = performance.now() - started;
    // Neither the URL (it may hold credentials) nor the body (maybe a whole page) goes in messages.
    if (res.status < 200 || res.status > 299) return fail(`the target answered HTTP ${res.status}`);

    const media = (res.contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (media === 'application/vnd.google.protobuf') {
      return fail(`the target answered in protobuf (${media}); Vigil reads the text formats only`);
    }
    // No or another Content-Type: read it as text, as Prometheus 2 did (Prometheus 3 needs
    // fallback_scrape_protocol for that); a page that is not an exposition fails on line 1.
    const format: ExpositionFormat = formatOf(res.contentType) ?? 'prometheus';

    const samples: Sample[] = [];
    let count = 0;
    const honor = spec.honor_labels;
    // As Prometheus: one sample past a label limit fails the whole scrape, and none is kept.
    let refused: string | undefined;
    try {
      const scanned = scanExposition(
        res.body,
        (name, labels, value, ts) => {
          if (refused || samples.length >= spec.max_samples) return;
          const all = withTargetLabels(labels, target, honor);
          refused = labelLimitExceeded(name, all, spec);
          if (refused) return;
          // The exposition's own timestamp is kept, as Prometheus's honor_timestamps does by default.
          const sample: Sample = { name, labels: all, value };
          if (ts !== undefined) sample.ts = ts;
          samples.push(sample);
        },
        { format },
      );
      count = scanned.samples;
      const metaOf = familyResolver(scanned.families);
      for (const s of samples) {
        const meta = metaOf(s.name);
        if (meta) s.meta = meta;
      }
    } catch (e) {
      // The parser throws nothing else; a kind reports failures rather than throwing them.
      if (!(e instanceof ExpositionError)) return fail(`could not read the exposition: ${describe(e)}`);
      const what = format === 'openmetrics' ? 'OpenMetrics' : 'text format 0.0.4';
      return fail(`invalid ${what} exposition: ${e.message}`);
    }
    if (count > spec.max_samples) {
      return fail(`scrape returned ${count} samples, more than max_samples ${spec.max_samples}`, count);
    }
    if (refused) return fail(refused, count);
    const durationMs = performance.now() - started;
    return {
      status: 'ok',
      message: `${count} samples in ${Math.round(durationMs)}ms`,
      durationMs,
      samples: [...report(scrapeMs, count), ...samples],
    };
  },
};

/**
 * A sample's labels with the target's, as Prometheus's `mutateSampleLabels`
 * sets them: empty values are absent labels; on a clash the target's value
 * wins and the scraped one moves to `exported_<name>` (then
 * `exported_exported_<name>`, …), unless `honor` keeps the scraped one.
 * A scraped `check` label is always renamed (see `runnerLabel`).
 */
export function withTargetLabels(
  scraped: Readonly<Record<string, string>>,
  target: ReadonlyMap<string, string>,
  honor: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  let clashes: string[] | undefined;
  for (const name in scraped) {
    const value = scraped[name]!;
    if (value === '') continue;
    if ((target.has(name) && !honor) || name === runnerLabel) {
      clashes ??= [];
      clashes.push(name);
    } else set(out, name, value);
  }
  for (const [name, value] of target) {
    if (honor && Object.hasOwn(scraped, name)) continue;
    if (value !== '') set(out, name, value);
  }
  if (clashes) {
    // Shorter names first, so `job` takes `exported_job` before `exported_job` would.
    clashes.sort((a, b) => a.length - b.length);
    for (const name of clashes) {
      let renamed = name;
      do renamed = `exported_${renamed}`;
      while (Object.hasOwn(out, renamed));
      set(out, renamed, scraped[name]!);
    }
  }
  return out;
}

/** Why a sample breaks a label limit (its name and values cut short), or undefined. */
function labelLimitExceeded(
  name: string,
  labels: Readonly<Record<string, string>>,
  spec: ScrapeSpec,
): string | undefined {
  const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
  if (name.length > spec.label_value_length_limit) {
    return `metric name ${cut(name)} is ${name.length} characters, more than label_value_length_limit ${spec.label_value_length_limit}`;
  }
  let n = 1;
  for (const label in labels) {
    n++;
    const value = labels[label]!;
    if (label.length > spec.label_name_length_limit) {
      return `label name ${cut(label)} of ${cut(name)} is ${label.length} characters, more than label_name_length_limit ${spec.label_name_length_limit}`;
    }
    if (value.length > spec.label_value_length_limit) {
      return `label ${cut(label)} of ${cut(name)} has a value of ${value.length} characters, more than label_value_length_limit ${spec.label_value_length_limit}`;
    }
  }
  if (n > spec.label_limit) return `${cut(name)} has ${n} labels, more than label_limit ${spec.label_limit}`;
  return undefined;
}

/**
 * The runner adds `check` to every sample of a check; a scraped `check` would
 * overwrite it and file the sample under another check, so it is always
 * renamed, honor_labels or not.
 */
const runnerLabel = 'check';

/** A label named `__proto__` is legal in an exposition; assignment would set the prototype. */
function set(labels: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  } else labels[name] = value;
}

function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

interface Fetched {
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  body: string;
}

const maxRedirects = 10;

/** Failures that are the target's, reported in their own words. */
class BodyTooLarge extends Error {}
class NotUtf8 extends Error {}

/** The response at the end of at most `maxRedirects` redirects, or why there is none. */
async function fetchFollowingRedirects(
  url: URL,
  spec: ScrapeSpec,
  ctx: CheckContext,
): Promise<Fetched | string> {
  let at = url;
  for (let hops = 0; ; hops++) {
    let res: Fetched;
    try {
      // Like Go's client, keep credentials in headers away from another host.
      const headers = at.hostname === url.hostname ? spec.headers : {};
      res = await fetchExposition(at, headers, spec.accept_openmetrics, ctx.signal, ctx.timeoutMs);
    } catch (e) {
      if (ctx.signal.aborted) return `timed out after ${ctx.timeoutMs}ms`;
      if (e instanceof BodyTooLarge || e instanceof NotUtf8) return e.message;
      return `request failed: ${describe(e)}`;
    }
    // Prometheus follows redirects (follow_redirects: true), up to Go's 10.
    if (res.status < 300 || res.status > 399 || res.location === undefined) return res;
    if (hops === maxRedirects) return `more than ${maxRedirects} redirects`;
    const next = URL.parse(res.location, at.href);
    if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
      return 'redirected to something that is not an http(s) URL';
    }
    at = next;
  }
}

function fetchExposition(
  url: URL,
  headers: Readonly<Record<string, string>>,
  openMetrics: boolean,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: 'GET',
      headers: {
        'user-agent': 'vigil',
        accept: openMetrics ? acceptOpenMetrics : acceptText,
        'accept-encoding': 'gzip',
        'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
        ...headers,
      },
      agent: false,
      signal,
    });
    const tooLarge = () =>
      new BodyTooLarge(
        `response body larger than ${maxBodyBytes / 1024 / 1024} MiB; Vigil stops reading there`,
      );
    req.once('error', reject);
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const contentType = res.headers['content-type'];
      const location = res.headers.location;
      if (status < 200 || status > 299) {
        res.destroy();
        resolve({ status, contentType, location, body: '' });
        return;
      }
      if (Number(res.headers['content-length']) > maxBodyBytes) {
        res.destroy();
        reject(tooLarge());
        return;
      }
      const gzip = /^\s*(x-)?gzip\s*$/i.test(res.headers['content-encoding'] ?? '');
      const stream = gzip ? res.pipe(zlib.createGunzip()) : res;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const fail = (e: Error) => {
        res.destroy();
        if (stream !== res) stream.destroy();
        reject(e);
      };
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBodyBytes) fail(tooLarge());
        else chunks.push(chunk);
      });
      stream.once('error', fail);
      res.once('error', fail);
      // An aborted or cut-off response closes without 'end'.
      res.once('close', () => {
        if (!res.complete) fail(new Error('the target closed the connection mid-response'));
      });
      stream.once('end', () => {
        const body = Buffer.concat(chunks);
        // Prometheus refuses label values and help that are not UTF-8; decoding would hide them.
        if (!isUtf8(body)) reject(new NotUtf8('the response is not valid UTF-8'));
        else resolve({ status, contentType, location: undefined, body: body.toString('utf8') });
      });
    });
    req.end();
  });
}
