import { access } from './access.js';
import { alerts } from './alerts.js';
import { availability } from './availability.js';
import { backups } from './backups.js';
import { capacity } from './capacity.js';
import { certificates } from './certificates.js';
import { changes } from './changes.js';
import { checks } from './checks.js';
import { command } from './command.js';
import { costs } from './costs.js';
import { drift } from './drift.js';
import { endOfLife } from './end-of-life.js';
import { incidents } from './incidents.js';
import { logs } from './logs.js';
import { maintenance } from './maintenance.js';
import { manual } from './manual.js';
import { outdated } from './outdated.js';
import { performance } from './performance.js';
import type { StepKind } from './types.js';
import { updates } from './updates.js';
import { vulnerabilities } from './vulnerabilities.js';

/** Every step kind: one file each, one line here. */
export const stepKinds = {
  checks,
  alerts,
  incidents,
  availability,
  logs,
  backups,
  capacity,
  performance,
  certificates,
  access,
  changes,
  maintenance,
  command,
  manual,
  vulnerabilities,
  updates,
  'end-of-life': endOfLife,
  costs,
  outdated,
  drift,
} satisfies Record<string, StepKind<any>>;

export type StepKindName = keyof typeof stepKinds;
export const stepKindNames = Object.keys(stepKinds) as StepKindName[];
