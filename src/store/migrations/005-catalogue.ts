/**
 * Migration 5: the catalogue, what the publishers (CSW, DCAT, OGC API - Records) read. One row per published
 * resource: the preferred visible record of each group of records sharing a resource identifier
 * (src/store/identity.ts), with one column per queryable (mappings/queryables.ts) and the group's members and
 * sources. It is a projection of `records`, kept in step by the index sync (src/search/indexer.ts) from the
 * search outbox, so that filters, sorting and deep paging are plain indexed SQL over 100,000s of rows.
 *
 * catalogue_boxes holds each row's bounding boxes (a record may have several: a BBOX filter matches when any
 * intersects). catalogue_state.generation changes with every write, so that counts and page positions
 * computed for a query can be cached until the catalogue changes.
 *
 * Every visible record is queued in the outbox, so that an existing store fills its catalogue on the next
 * drain.
 */
export const catalogue = `
CREATE TABLE catalogue (
  record_id                 text PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
  members                   text[] NOT NULL,
  member_sources            text[] NOT NULL,
  changed                   timestamptz NOT NULL,
  identifier                text NOT NULL,
  title                     text NOT NULL,
  abstract                  text,
  type                      text NOT NULL,
  modified                  timestamptz,
  anytext                   text NOT NULL,
  subjects                  text[] NOT NULL,
  formats                   text[] NOT NULL,
  crs                       text[] NOT NULL,
  revision_date             timestamptz,
  creation_date             timestamptz,
  publication_date          timestamptz,
  alternate_titles          text[] NOT NULL,
  organisations             text[] NOT NULL,
  has_security_constraints  boolean NOT NULL,
  language                  text,
  resource_identifiers      text[] NOT NULL,
  parent_identifier         text,
  keyword_types             text[] NOT NULL,
  topic_categories          text[] NOT NULL,
  resource_languages        text[] NOT NULL,
  geographic_codes          text[] NOT NULL,
  denominators              numeric[] NOT NULL,
  distance_values           numeric[] NOT NULL,
  distance_uoms             text[] NOT NULL,
  temp_begin                timestamptz,
  temp_end                  timestamptz,
  service_type              text,
  service_type_versions     text[] NOT NULL,
  operations                text[] NOT NULL,
  operates_on               text[] NOT NULL,
  operates_on_identifiers   text[] NOT NULL,
  operates_on_names         text[] NOT NULL,
  coupling_type             text,
  degrees                   text[] NOT NULL,
  access_constraints        text[] NOT NULL,
  other_constraints         text[] NOT NULL,
  classifications           text[] NOT NULL,
  use_limitations           text[] NOT NULL,
  lineage                   text,
  party_roles               text[] NOT NULL,
  specification_titles      text[] NOT NULL,
  specification_dates       timestamptz[] NOT NULL,
  specification_date_types  text[] NOT NULL,
  sources                   text[] NOT NULL,
  licence                   text
);
-- Sort orders with a unique tie-breaker, so that paging is stable and a page can be found by seeking.
CREATE INDEX catalogue_identifier_idx ON catalogue (identifier, record_id);
CREATE INDEX catalogue_title_idx ON catalogue (title, record_id);
CREATE INDEX catalogue_modified_idx ON catalogue (modified, record_id);
CREATE INDEX catalogue_changed_idx ON catalogue (changed, record_id);
CREATE INDEX catalogue_type_idx ON catalogue (type, record_id);
CREATE INDEX catalogue_sources_idx ON catalogue USING gin (sources);
CREATE INDEX catalogue_members_idx ON catalogue USING gin (members);
CREATE INDEX catalogue_subjects_idx ON catalogue USING gin (subjects);

CREATE TABLE catalogue_boxes (
  record_id  text NOT NULL REFERENCES catalogue (record_id) ON DELETE CASCADE,
  box        box NOT NULL
);
CREATE INDEX catalogue_boxes_record_idx ON catalogue_boxes (record_id);
CREATE INDEX catalogue_boxes_box_idx ON catalogue_boxes USING gist (box);

CREATE TABLE catalogue_state (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  generation  bigint NOT NULL
);
INSERT INTO catalogue_state (generation) VALUES (1);

DO $$
DECLARE
  trgm_schema text;
BEGIN
  SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_trgm';
  -- csw:AnyText and PropertyIsLike on it: substring matches served by a trigram index.
  EXECUTE format('CREATE INDEX catalogue_anytext_idx ON catalogue USING gin (anytext %I.gin_trgm_ops)', trgm_schema);
END $$;

INSERT INTO search_outbox (record_id, op) SELECT id, 'upsert' FROM records WHERE withdrawn_at IS NULL ORDER BY id;
`;
