/**
 * Migration 1: sources, records with their history, harvest runs and their issues, the search outbox.
 * Plain SQL accepted by both PGlite and PostgreSQL 15.
 */
export const initial = `
CREATE TABLE sources (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  url         text NOT NULL,
  title       text,
  enabled     boolean NOT NULL DEFAULT true,
  schedule    text,
  options     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE records (
  id               text PRIMARY KEY,
  source_id        text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  native_id        text NOT NULL,
  identifier       text,
  hierarchy_level  text,
  title            text,
  record           jsonb NOT NULL,
  original         bytea NOT NULL,
  media_type       text NOT NULL,
  content_hash     text NOT NULL,
  first_seen       timestamptz NOT NULL,
  last_seen        timestamptz NOT NULL,
  last_changed     timestamptz NOT NULL,
  withdrawn_at     timestamptz,
  UNIQUE (source_id, native_id)
);
-- Listing one source in id order (keyset or offset); the primary key serves listings across sources.
CREATE INDEX records_source_id_idx ON records (source_id, id);
CREATE INDEX records_identifier_idx ON records (identifier);

CREATE TABLE harvest_runs (
  id           bigserial PRIMARY KEY,
  source_id    text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
  dry_run      boolean NOT NULL DEFAULT false,
  complete     boolean NOT NULL DEFAULT false,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  counts       jsonb NOT NULL,
  error        text
);
CREATE INDEX harvest_runs_source_idx ON harvest_runs (source_id, id);

CREATE TABLE run_issues (
  id         bigserial PRIMARY KEY,
  run_id     bigint NOT NULL REFERENCES harvest_runs (id) ON DELETE CASCADE,
  native_id  text,
  url        text,
  severity   text NOT NULL CHECK (severity IN ('error', 'warning')),
  path       text NOT NULL,
  message    text NOT NULL
);
CREATE INDEX run_issues_run_idx ON run_issues (run_id, id);

-- Every version is kept: a 'changed' row (or a 'restored' one with new content) carries the version it
-- replaced; content_hash is the hash of the version current after the change.
CREATE TABLE record_history (
  id                     bigserial PRIMARY KEY,
  record_id              text NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  run_id                 bigint REFERENCES harvest_runs (id) ON DELETE SET NULL,
  changed_at             timestamptz NOT NULL,
  change                 text NOT NULL CHECK (change IN ('new', 'changed', 'withdrawn', 'restored')),
  content_hash           text NOT NULL,
  previous_record        jsonb,
  previous_original      bytea,
  previous_media_type    text,
  previous_content_hash  text
);
CREATE INDEX record_history_record_idx ON record_history (record_id, id);

-- No foreign key: a 'delete' row must outlive the record it is about.
CREATE TABLE search_outbox (
  id          bigserial PRIMARY KEY,
  record_id   text NOT NULL,
  op          text NOT NULL CHECK (op IN ('upsert', 'delete')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
`;
