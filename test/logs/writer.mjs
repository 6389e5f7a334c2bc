// A log writer for the reliability test: appends numbered lines (about 20k/s, in whole-line
// writes), reopens its file on SIGHUP and says so on stdout, and on "stop" on stdin finishes
// its batch, prints "done <count>" and exits.
import fs from 'node:fs';

const file = process.argv[2];
let fd = fs.openSync(file, 'a');
let next = 0;
let stopping = false;
const batch = () => {
  let s = '';
  for (let i = 0; i < 100; i++)
    s += `${new Date().toISOString()} ${next % 50 === 0 ? 'ERROR' : 'INFO'} line ${next++}\n`;
  fs.writeSync(fd, s);
};
const timer = setInterval(() => {
  if (!stopping) batch();
}, 5);
process.on('SIGHUP', () => {
  const old = fd;
  fd = fs.openSync(file, 'a');
  fs.closeSync(old);
  process.stdout.write('reopened\n');
});
process.stdin.on('data', (d) => {
  if (!String(d).includes('stop')) return;
  stopping = true;
  clearInterval(timer);
  fs.closeSync(fd);
  process.stdout.write(`done ${next}\n`);
  process.exit(0);
});
process.stdout.write('ready\n');
