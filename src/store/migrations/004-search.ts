/**
 * Migration 4: the embedded search engine's tables (src/search/embedded/), PostgreSQL full text on the store's
 * own database.
 *
 * - Extensions `unaccent` and `pg_trgm` are database-wide, while a store lives in one schema (tests give each
 *   file its own, and drop it with CASCADE). So they are created in `public` when the database has them nowhere,
 *   and used wherever they already are: nothing of this schema's is ever the extension's home, and dropping this
 *   schema never drops them from under another. Our own objects (dictionary, configurations, indexes, function)
 *   live in this schema and reach the extensions by OID or by their schema's name, found here.
 * - Two text search configurations fold accents before stemming: `search_fr` (french) and `search_en`
 *   (english). A document is indexed with both, so French and English inflections both match their stem.
 * - search_docs: one row per resource; `tsv` is computed at write time (weights: title A, keywords and other
 *   titles B, abstract and organisations C); facet fields are columns (arrays with GIN) for exact counts;
 *   `extent` is the envelope of the resource's boxes, GiST-indexed, so that text and box conditions on one table
 *   can be combined (BitmapAnd) by the planner. The document itself (`doc`, read only for the page of hits) is
 *   kept out of line uncompressed, and `tsv` in line uncompressed: matching and ranking read `tsv` of every
 *   candidate, and decompressing it (pglz, in WASM on PGlite) was most of a search's time.
 * - search_boxes: the boxes of the resources that have several (a box crossing the antimeridian is two): there
 *   the envelope is only a first filter, and "any box intersects" is checked exactly against these rows.
 * - search_lexicon (words of titles and keywords, folded) and search_completions (titles and keywords, folded),
 *   each with a pg_trgm GIN index: typo correction and suggestions. `docs` counts the documents using each entry.
 *
 * Index names are PostgreSQL's defaults on purpose: a rebuild copies the tables (LIKE … INCLUDING ALL, which
 * names them after the copy) and renames them back after the swap.
 */
export const search = `
DO $$
DECLARE
  unaccent_schema text;
  trgm_schema text;
BEGIN
  -- Schemas migrated at the same time on one server would race on CREATE EXTENSION (IF NOT EXISTS is not safe
  -- under concurrency): one database-wide lock for the check-and-create.
  PERFORM pg_advisory_xact_lock(hashtext('moisson:search-extensions'));
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
    CREATE EXTENSION unaccent SCHEMA public;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE EXTENSION pg_trgm SCHEMA public;
  END IF;
  SELECT n.nspname INTO unaccent_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'unaccent';
  SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_trgm';

  -- Our own dictionary from the extension's template: it lives in this schema.
  EXECUTE format('CREATE TEXT SEARCH DICTIONARY search_unaccent (TEMPLATE = %I.unaccent, RULES = unaccent)', unaccent_schema);

  CREATE TABLE search_lexicon (
    word     text COLLATE "C" PRIMARY KEY,
    display  text NOT NULL,
    docs     integer NOT NULL
  );
  CREATE TABLE search_completions (
    key      text COLLATE "C" PRIMARY KEY,
    display  text NOT NULL,
    docs     integer NOT NULL
  );
  EXECUTE format('CREATE INDEX ON search_lexicon USING gin (word %I.gin_trgm_ops)', trgm_schema);
  EXECUTE format('CREATE INDEX ON search_completions USING gin (key %I.gin_trgm_ops)', trgm_schema);

  -- The lexicon words most similar to w (pg_trgm's % operator, default threshold 0.3, uses the GIN index).
  -- The tables are named, not qualified: a rebuild swaps them under the same names in this schema.
  EXECUTE format($f$
    CREATE FUNCTION search_similar_words(w text, n integer)
    RETURNS TABLE (word text, display text, similarity real, docs integer)
    LANGUAGE sql STABLE AS $body$
      SELECT l.word, l.display, %1$I.similarity(l.word, w), l.docs FROM search_lexicon l
       WHERE l.word OPERATOR(%1$I.%%) w
       ORDER BY 3 DESC, l.docs DESC, l.word
       LIMIT n
    $body$
  $f$, trgm_schema);
END
$$;

CREATE TEXT SEARCH CONFIGURATION search_fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION search_fr
  ALTER MAPPING FOR hword, hword_part, word WITH search_unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION search_en (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION search_en
  ALTER MAPPING FOR hword, hword_part, word WITH search_unaccent, english_stem;

CREATE TABLE search_docs (
  id             text PRIMARY KEY,
  doc            jsonb NOT NULL,
  members        text[] NOT NULL,
  type           text NOT NULL,
  license        text,
  sources        text[] NOT NULL,
  keywords       text[] NOT NULL,
  formats        text[] NOT NULL,
  topics         text[] NOT NULL,
  organisations  text[] NOT NULL,
  date           date,
  title_key      text COLLATE "C" NOT NULL,
  extent         box,
  multi_box      boolean NOT NULL,
  tsv            tsvector NOT NULL
);
ALTER TABLE search_docs ALTER COLUMN doc SET STORAGE EXTERNAL, ALTER COLUMN tsv SET STORAGE MAIN;
CREATE INDEX ON search_docs USING gin (tsv);
CREATE INDEX ON search_docs USING gin (members);
CREATE INDEX ON search_docs USING gin (sources);
CREATE INDEX ON search_docs USING gin (keywords);
CREATE INDEX ON search_docs USING gin (formats);
CREATE INDEX ON search_docs USING gin (topics);
CREATE INDEX ON search_docs USING gin (organisations);
CREATE INDEX ON search_docs (type);
CREATE INDEX ON search_docs (license);
CREATE INDEX ON search_docs (date DESC NULLS LAST, id);
CREATE INDEX ON search_docs (title_key, id);
CREATE INDEX ON search_docs USING gist (extent);

CREATE TABLE search_boxes (
  doc_id  text NOT NULL,
  box     box NOT NULL
);
CREATE INDEX ON search_boxes (doc_id);
`;
