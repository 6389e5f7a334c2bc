// A realistic application log for the log benchmarks and demos: one line per request-ish event,
// ISO timestamps spread evenly over a time span, levels INFO 85% / DEBUG 8% / WARN 5% /
// ERROR 1.8% / FATAL 0.2%, error messages from a dozen templates with changing ids, numbers,
// IPs and quoted values. Seeded, so the same arguments write the same bytes.
//
//   node bench/gen-logs.mjs <file> <bytes> [endMs] [spanMs]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let seed = 0x2545f491;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const int = (n) => Math.floor(rand() * n);
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const ip = () => `10.${int(256)}.${int(256)}.${int(256)}`;
const paths = ['/api/orders', '/api/users', '/api/cart', '/health', '/api/search', '/static/app.js'];
const info = [
  () => `[http] GET ${paths[int(6)]}/${int(100000)} 200 ${int(300)}ms req=${hex(16)}`,
  () => `[http] POST /api/orders 201 ${int(900)}ms user=${int(50000)} ip=${ip()}`,
  () => `[worker] job ${uuid()} finished in ${int(5000)}ms queue=default`,
  () => `[cache] hit ratio ${(rand() * 100).toFixed(2)}% keys=${int(1e6)}`,
];
const debug = [
  () => `[db] query took ${int(40)}ms rows=${int(500)} sql="select * from orders where id = ${int(1e6)}"`,
];
const warn = [
  () => `[http] slow request GET ${paths[int(6)]}/${int(100000)} took ${1000 + int(4000)}ms`,
  () => `[pool] connection pool at ${70 + int(30)}% (${int(100)}/100)`,
];
const error = [
  () => `[db] timeout after ${5000 + int(1000)}ms on query "select * from orders where id = ${int(1e6)}"`,
  () => `[http] upstream ${ip()}:8080 refused connection (attempt ${1 + int(5)})`,
  () => `[payments] charge ${uuid()} failed: card_declined for user ${int(50000)}`,
  () => `[worker] job ${uuid()} failed: ENOSPC writing /var/tmp/export-${hex(8)}.csv`,
  () => `[auth] invalid token for session 0x${hex(12)} from ${ip()}`,
  () => `[mail] SMTP 451 from relay ${ip()}: 'temporary failure' id=${hex(10)}`,
];
const fatal = [() => `[main] out of memory: heap ${1900 + int(100)}MB > limit 2048MB, exiting`];

const pick = (a) => a[int(a.length)]();

/** Writes about `bytes` bytes of log lines stamped from end-span to end. */
export function generateLog(file, bytes, endMs = Date.now(), spanMs = 86_400_000) {
  const avgLine = 90;
  const lines = Math.max(1, Math.round(bytes / avgLine));
  const fd = fs.openSync(file, 'w');
  let chunk = [];
  let size = 0;
  let written = 0;
  for (let i = 0; i < lines && written + size < bytes; i++) {
    const t = new Date(endMs - spanMs + Math.floor((spanMs * i) / lines)).toISOString();
    const r = rand();
    const [level, msg] =
      r < 0.85
        ? ['INFO ', pick(info)]
        : r < 0.93
          ? ['DEBUG', pick(debug)]
          : r < 0.98
            ? ['WARN ', pick(warn)]
            : r < 0.998
              ? ['ERROR', pick(error)]
              : ['FATAL', pick(fatal)];
    const line = `${t} ${level} ${msg}\n`;
    chunk.push(line);
    size += line.length;
    if (size > 1 << 20) {
      fs.writeSync(fd, chunk.join(''));
      written += size;
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length) fs.writeSync(fd, chunk.join(''));
  fs.closeSync(fd);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [file, bytes, end, span] = process.argv.slice(2);
  if (!file || !bytes) {
    console.error('usage: node bench/gen-logs.mjs <file> <bytes> [endMs] [spanMs]');
    process.exit(2);
  }
  generateLog(file, Number(bytes), end ? Number(end) : Date.now(), span ? Number(span) : 86_400_000);
}
