import pino from 'pino';
import { Scrubber } from '../config/redact.js';
import { startDaemon } from '../daemon.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';

/** How long sends in flight may take to finish at stop, and the grace after it for the rest. */
const stopDeadlineMs = 10_000;
const stopGraceMs = 5_000;

/**
 * `vigil up`: run until SIGTERM or SIGINT (stop scheduling, let runs finish
 * within the deadline, flush results, close the store, exit 0). SIGHUP reloads
 * vigil.yaml; an invalid file is refused and the running config kept.
 */
export async function upCommand(
  io: Io,
  opts: { config?: string; listen?: string; debug?: boolean },
): Promise<number> {
  // Synchronous writes: a daemon's few log lines must reach a pipe in order, and before exit.
  const level = opts.debug ? 'debug' : (io.env.VIGIL_LOG_LEVEL ?? 'info');
  // Every line passes the scrubber, which learns the config's secrets when the daemon loads it:
  // whatever a driver or a receiver puts into an error, its secrets never reach the log.
  const scrubber = new Scrubber();
  const scrubbed = (stream: { write(line: string): unknown }) => ({
    write: (line: string) => stream.write(scrubber.scrub(line)),
  });
  const streams = pino.multistream([{ level, stream: scrubbed(pino.destination({ fd: 1, sync: true })) }]);
  const logger = pino({ level, base: undefined }, streams);
  // Signals are caught from the start: the daemon logs "Vigil is up" before this function returns,
  // and a supervisor may signal as soon as it reads that line (or while the store migrates). A
  // signal before the daemon is ready stops it as soon as it is, so that what start-up began (a
  // migration, the first admin and its password) is finished and said; but a start-up that waits
  // on something (another node's migration lock, an unreachable store) is not waited for longer
  // than a running daemon's stop would be.
  let requested: string | undefined;
  let startupDeadline: NodeJS.Timeout | undefined;
  let stop = (signal: string) => {
    if (requested) return;
    requested = signal;
    logger.info({ signal }, 'stopping once start-up is done');
    startupDeadline = setTimeout(() => {
      logger.error(
        { signal, after_ms: stopDeadlineMs + stopGraceMs },
        'start-up did not finish in time; exiting',
      );
      process.exit(3);
    }, stopDeadlineMs + stopGraceMs);
    startupDeadline.unref();
  };
  let reload = () => {};
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => reload());
  const daemon = await startDaemon({
    configPath: configPath(io, opts.config),
    logger,
    env: io.env,
    listen: opts.listen,
    scrubber,
  });
  const logFile = daemon.config().config.log_file;
  if (logFile) {
    // Append mode: after a copytruncate rotation the next line lands at the start of the emptied file.
    streams.add({
      level,
      stream: scrubbed(pino.destination({ dest: logFile, append: true, mkdir: true, sync: true })),
    });
    logger.info({ log_file: logFile }, 'logging to file');
  }
  const exited = new Promise<number>((resolve) => {
    let stopping = false;
    stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      // Sends in flight get 10 s; should any part still not finish, the process exits anyway
      // rather than hang until its supervisor kills it (the outbox is at-least-once: nothing is lost).
      const hard = setTimeout(() => {
        logger.error({ after_ms: stopDeadlineMs + stopGraceMs }, 'stop did not finish in time; exiting');
        // Whatever did not stop may hold the event loop open: returning an exit code would not end it.
        process.exit(3);
      }, stopDeadlineMs + stopGraceMs);
      hard.unref();
      daemon.stop(stopDeadlineMs).then(
        () => {
          clearTimeout(hard);
          resolve(0);
        },
        (e) => {
          clearTimeout(hard);
          logger.error({ err: String(e) }, 'stop failed');
          resolve(3);
        },
      );
    };
    reload = () => void daemon.reload();
    watchParent(() => stop('parent exited'));
    clearTimeout(startupDeadline);
    if (requested) stop(requested);
  });
  // Announce only once the signal handlers are in place: a supervisor may signal as soon as it reads this.
  const admin = daemon.firstAdmin;
  // One write, so whoever reads "Vigil is up" has the first-start lines too. The password goes to
  // the terminal only (not through the logger), and only this once.
  const firstStart = admin?.password
    ? `\nFirst start: log in as "${admin.name}" with password ${admin.password}\n` +
      '  (shown only now; change it with `vigil user passwd admin`, or set VIGIL_ADMIN_PASSWORD before the first start)'
    : admin
      ? `\nFirst start: log in as "${admin.name}" with the password in VIGIL_ADMIN_PASSWORD`
      : '';
  io.err(
    `Vigil is up: ${daemon.url}  (dashboard ${daemon.url}/, metrics ${daemon.url}/metrics)${firstStart}`,
  );
  return exited;
}

/**
 * `npx vigil up` puts npm between a supervisor and Vigil, and npm does not pass SIGTERM on: when
 * the process that started Vigil is gone (Vigil was handed to init or a subreaper), stop as if
 * signalled, so one signal to whatever was started still stops Vigil. Under systemd or `exec`,
 * the parent stays and this never fires.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  // A liveness watch on the parent process (no signal tells Node it is gone), not scheduled work.
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 1000);
  timer.unref();
}
