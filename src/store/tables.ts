import type { ColumnType, Generated } from 'kysely';

/** The database holds only what happened; vigil.yaml says what to do. */
export interface Tables {
  checks: {
    name: string;
    kind: string;
    first_seen: number;
    last_at: number | null;
    last_status: string | null;
    last_message: string | null;
    last_duration_ms: number | null;
    /** 1 when the last run reached its target, 0 when not; null before migration 013 */
    last_up: number | null;
  };
  check_results: {
    id: Generated<number>;
    check_name: string;
    started_at: number;
    duration_ms: number;
    status: string;
    message: string;
    /** 1 when the run reached its target, 0 when not; null before migration 013 */
    up: number | null;
  };
  series: {
    id: Generated<number>;
    metric: string;
    /** canonical JSON of the label set, keys sorted; metric name excluded */
    labels: string;
  };
  samples: {
    series_id: number;
    ts: number;
    /** null for NaN (SQLite has no NaN) */
    value: number | null;
    /** 1: a staleness marker, the series ended at ts */
    stale: number;
  };
  rollups: {
    /** 'm' | 'h' | 'd' */
    resolution: string;
    bucket: number;
    check_name: string;
    runs: number;
    up: number;
    duration_sum: number;
    duration_max: number;
  };
  heartbeats: {
    id: Generated<number>;
    check_name: string;
    at: number;
    type: string;
    message: string | null;
  };
  alert_transitions: {
    id: Generated<number>;
    at: number;
    rule: string;
    group_name: string;
    fingerprint: string;
    /** JSON */
    labels: string;
    from_state: string;
    to_state: string;
    /** null when the value was NaN (no data, evaluation error) */
    value: number | null;
    reason: string;
  };
  notifications: {
    id: string;
    idempotency_key: string;
    channel: string;
    provider: string;
    group_key: string;
    /** 'firing' | 'resolved' */
    event: string;
    /** 'pending' | 'delivered' | 'dead' */
    status: string;
    /** JSON: the rendered notification, never a secret */
    payload: string;
    alerts: number;
    /** JSON array of incident ids */
    incidents: string;
    created_at: number;
    next_attempt_at: number;
    attempts: number;
    last_error: string | null;
    finished_at: number | null;
    /** the node sending it now, until `claimed_until` */
    claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
    claimed_until: ColumnType<number | null, number | null | undefined, number | null>;
    claims: ColumnType<number, number | undefined, number>;
    created_by: ColumnType<string | null, string | null | undefined, string | null>;
  };
  notification_attempts: {
    id: Generated<number>;
    notification_id: string;
    at: number;
    duration_ms: number;
    /** 'ok' | 'retry' | 'dead' */
    result: string;
    status_code: number | null;
    error: string | null;
    node: ColumnType<string | null, string | null | undefined, string | null>;
  };
  notify_log: {
    receiver: string;
    group_key: string;
    /** JSON arrays of fingerprints in the last notification */
    firing: string;
    resolved: string;
    sent_at: number;
  };
  notify_alerts: {
    fingerprint: string;
    rule_group: string;
    labels: string;
    annotations: string;
    starts_at: number;
    ends_at: number | null;
  };
  silences: {
    id: string;
    /** JSON array of {name, op, value} */
    matchers: string;
    starts_at: number;
    ends_at: number;
    created_by: string;
    comment: string;
    created_at: number;
    updated_at: number;
  };
  incidents: {
    id: Generated<number>;
    key: string;
    title: string;
    severity: string;
    /** 'open' | 'acknowledged' | 'resolved' */
    status: string;
    /** JSON array of the fingerprints of its alerts still firing */
    alerts: string;
    opened_at: number;
    acked_at: number | null;
    acked_by: string | null;
    resolved_at: number | null;
    resolved_by: string | null;
  };
  escalations: {
    id: Generated<number>;
    incident_id: number;
    policy: string;
    /** active | acknowledged | resolved | exhausted */
    state: string;
    round: number;
    step: number;
    next_at: number;
    started_at: number;
    updated_at: number;
    /** JSON: title, body, data */
    message: string;
  };
  signing_keys: {
    name: string;
    secret: string;
    created_at: number;
  };
  status_incidents: {
    id: Generated<number>;
    title: string;
    status: string;
    impact: string;
    components: string;
    created_at: number;
    updated_at: number;
    resolved_at: number | null;
  };
  status_updates: {
    id: Generated<number>;
    incident_id: number;
    status: string;
    body: string;
    at: number;
    author: string;
  };
  subscribers: {
    id: string;
    kind: string;
    address: string;
    created_at: number;
    confirmed_at: number | null;
  };
  incident_events: {
    id: Generated<number>;
    incident_id: number;
    at: number;
    kind: string;
    text: string;
    actor: string | null;
  };
  jobs: {
    id: string;
    kind: string;
    first_seen_at: number;
    last_due_at: number | null;
    last_started_at: number | null;
    last_ended_at: number | null;
    last_ok: number | null;
    last_message: string | null;
  };
  check_state: {
    /** `check:<name>` or `rotate` */
    owner: string;
    key: string;
    /** JSON */
    value: string;
    updated_at: number;
  };
  backups: {
    id: string;
    job: string;
    source: string;
    status: string;
    started_at: number;
    ended_at: number;
    size: number | null;
    sha256: string | null;
    location: string | null;
    manifest: string | null;
    error: string | null;
  };
  backup_verifications: {
    id: Generated<number>;
    backup_id: string;
    job: string;
    level: string;
    at: number;
    duration_ms: number;
    ok: number;
    message: string;
    target: string | null;
  };
  changes: {
    id: Generated<number>;
    title: string;
    service: string;
    environment: string | null;
    version: string | null;
    /** 'planned' | 'in_progress' | 'ok' | 'failed' | 'rolled-back' */
    status: string;
    planned_at: number;
    window_name: string | null;
    /** JSON rollback plan, or null */
    rollback: string | null;
    created_by: string;
    created_at: number;
    started_at: number | null;
    finished_at: number | null;
    updated_at: number;
  };
  change_events: {
    id: Generated<number>;
    change_id: number | null;
    at: number;
    kind: string;
    text: string;
    actor: string | null;
    /** JSON, or null */
    data: string | null;
  };
  routine_runs: {
    id: string;
    routine: string;
    started_at: number;
    period_from: number;
    period_to: number;
    status: string;
    ended_at: number | null;
    delivered_at: number | null;
  };
  routine_steps: {
    run_id: string;
    idx: number;
    name: string;
    kind: string;
    status: string;
    /** JSON */
    section: string;
    due_at: number | null;
    signed_by: string | null;
    signed_at: number | null;
    note: string | null;
  };
  baselines: {
    check_name: string;
    p50_ms: number;
    p95_ms: number;
    runs: number;
    period_from: number;
    period_to: number;
    set_at: number;
    set_by: string;
  };
  maintenance_runs: {
    id: Generated<number>;
    task: string;
    kind: string;
    started_at: number;
    duration_ms: number;
    status: string;
    message: string;
  };
  users: {
    name: string;
    /** viewer | operator | admin */
    role: string;
    /** scrypt$N$r$p$salt$hash */
    password_hash: string;
    created_at: number;
    last_login_at: number | null;
  };
  api_tokens: {
    id: string;
    name: string;
    /** who created it: a user name, or `cli:<os user>` */
    owner: string;
    role: string;
    /** sha256 of the secret part; the secret itself is shown once and never kept */
    secret_hash: string;
    created_at: number;
    last_used_at: number | null;
    expires_at: number | null;
    revoked_at: number | null;
    /** a probe token's location (migration 012); absent before it ran */
    location?: string | null;
  };
  probe_agents: {
    id: string;
    location: string;
    token_name: string;
    version: string;
    hostname: string;
    first_seen_at: number;
    last_contact_at: number;
    last_result_at: number | null;
    lag_ms: number | null;
    buffered: number;
    last_seq: number;
  };
  location_results: {
    check_name: string;
    location: string;
    started_at: number;
    duration_ms: number;
    status: string;
    message: string;
  };
  check_locations: {
    check_name: string;
    location: string;
    last_at: number;
    last_status: string;
    last_message: string;
    last_duration_ms: number;
  };
  sessions: {
    /** sha256 of the cookie value */
    id_hash: string;
    user_name: string;
    csrf: string;
    created_at: number;
    expires_at: number;
    last_seen_at: number;
  };
  cluster_nodes: {
    id: string;
    host: string;
    pid: number;
    version: string;
    url: string | null;
    started_at: number;
    heartbeat_at: number;
    stopped_at: number | null;
  };
  cluster_leases: {
    name: string;
    holder: string | null;
    epoch: number;
    acquired_at: number;
    renewed_at: number;
    expires_at: number;
  };
  cluster_lease_history: {
    name: string;
    epoch: number;
    holder: string;
    acquired_at: number;
  };
  job_claims: {
    job_id: string;
    due_at: number;
    node: string;
    claimed_at: number;
  };
}
