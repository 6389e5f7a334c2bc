import { commandCheck } from './command.js';
import { dnsCheck } from './dns.js';
import { dockerCheck } from './docker.js';
import { driftCheck } from './drift.js';
import { externalCheck } from './external.js';
import { heartbeatCheck } from './heartbeat.js';
import { hostCheck } from './host.js';
import { httpCheck } from './http.js';
import { journalCheck } from './journal.js';
import { kubernetesCheck } from './kubernetes.js';
import { logCheck } from './log.js';
import { mariadbCheck } from './mariadb.js';
import { postgresCheck } from './postgres.js';
import { scrapeCheck } from './scrape.js';
import { tcpCheck } from './tcp.js';
import { tlsCheck } from './tls.js';
import type { CheckKind } from './types.js';

/**
 * Every check kind, by the key that selects it in vigil.yaml. Adding a kind is
 * one file plus one line here: the config schema, JSON Schema, CLI and API all
 * read this object.
 */
export const checkKinds = {
  http: httpCheck,
  tcp: tcpCheck,
  tls: tlsCheck,
  dns: dnsCheck,
  command: commandCheck,
  host: hostCheck,
  heartbeat: heartbeatCheck,
  scrape: scrapeCheck,
  postgres: postgresCheck,
  mariadb: mariadbCheck,
  docker: dockerCheck,
  kubernetes: kubernetesCheck,
  log: logCheck,
  journal: journalCheck,
  drift: driftCheck,
  external: externalCheck,
} satisfies Record<string, CheckKind<any>>;

export type CheckKindName = keyof typeof checkKinds;
export const checkKindNames = Object.keys(checkKinds) as CheckKindName[];
