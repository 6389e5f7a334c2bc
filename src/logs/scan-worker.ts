import { parentPort, workerData } from 'node:worker_threads';
import { type RangeJob, type RangeResult, scanRange } from './scan-range.js';

// A worker thread of `scanLogs`: scans one byte range of a large file and sends back its counts.
// Progress goes out every 16 MiB, not every read.
const port = parentPort!;
let unsent = 0;
const tally = await scanRange(workerData as RangeJob, (n) => {
  unsent += n;
  if (unsent >= 16 << 20) {
    port.postMessage({ bytes: unsent });
    unsent = 0;
  }
});
if (unsent) port.postMessage({ bytes: unsent });
const result: RangeResult = {
  counts: tally.counts,
  truncated: tally.truncated,
  entries: tally.table.entries(),
};
port.postMessage({ result });
