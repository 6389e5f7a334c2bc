import type { Command } from 'commander';
import type { CliContext } from '../command.js';
import { registerAlerts } from './alerts.js';
import { registerBackup } from './backup.js';
import { registerBaseline } from './baseline.js';
import { registerChange } from './change.js';
import { registerCheck } from './check.js';
import { registerCluster } from './cluster.js';
import { registerIncident } from './incident.js';
import { registerInit } from './init.js';
import { registerJobs } from './jobs.js';
import { registerLogs } from './logs.js';
import { registerMaintenance } from './maintenance.js';
import { registerNotifications } from './notifications.js';
import { registerNotify } from './notify.js';
import { registerOncall } from './oncall.js';
import { registerProbe } from './probe.js';
import { registerReport } from './report.js';
import { registerRestoreStore } from './restore-store.js';
import { registerReviews } from './reviews.js';
import { registerRoutine } from './routine.js';
import { registerSchema } from './schema.js';
import { registerSilence } from './silence.js';
import { registerSubscribers } from './subscribers.js';
import { registerTest } from './test.js';
import { registerToken } from './token.js';
import { registerUp } from './up.js';
import { registerUser } from './user.js';
import { registerValidate } from './validate.js';

/** Every command group, in the order `vigil --help` lists them: a new group is one file and one line here. */
export const commandGroups: ((program: Command, cli: CliContext) => void)[] = [
  registerUp,
  registerCheck,
  registerValidate,
  registerSchema,
  registerAlerts,
  registerNotifications,
  registerSilence,
  registerIncident,
  registerOncall,
  registerSubscribers,
  registerTest,
  registerBackup,
  registerInit,
  registerChange,
  registerLogs,
  registerRoutine,
  registerReport,
  registerBaseline,
  registerMaintenance,
  registerUser,
  registerToken,
  registerJobs,
  registerCluster,
  registerNotify,
  registerRestoreStore,
  registerReviews,
  registerProbe,
];
