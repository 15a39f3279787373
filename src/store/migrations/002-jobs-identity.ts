/**
 * Migration 2: durable harvest jobs (the scheduler's claims and leases, DESIGN §6 "Durable jobs") and the
 * identity keys that recognise one resource harvested from several sources (DESIGN §6 "Identity").
 * Plain SQL accepted by both PGlite and PostgreSQL 15.
 */
export const jobsIdentity = `
-- One row per (source, cron slot): the UNIQUE key is what lets several hubs on one database tick at the same
-- time and still create each slot once (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE harvest_jobs (
  id           bigserial PRIMARY KEY,
  source_id    text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  slot         timestamptz NOT NULL,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts     integer NOT NULL DEFAULT 0,
  owner        text,
  lease_until  timestamptz,
  run_id       bigint REFERENCES harvest_runs (id) ON DELETE SET NULL,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  UNIQUE (source_id, slot)
);
-- Workers look for queued jobs in slot order, and for running jobs whose lease expired.
CREATE INDEX harvest_jobs_pending_idx ON harvest_jobs (status, slot) WHERE status IN ('queued', 'running');
-- At most one running job per source across every hub: a second claim fails instead of harvesting twice.
CREATE UNIQUE INDEX harvest_jobs_one_running_idx ON harvest_jobs (source_id) WHERE status = 'running';

-- Normalised resource identifiers of each record (src/harvest/identity.ts), written in the transaction that
-- writes the record. Kept for withdrawn records (a restore rewrites them anyway); grouping ignores those.
CREATE TABLE record_identity (
  record_id  text NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  key        text NOT NULL,
  PRIMARY KEY (record_id, key)
);
CREATE INDEX record_identity_key_idx ON record_identity (key, record_id);
`;
