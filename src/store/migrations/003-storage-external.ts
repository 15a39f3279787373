/**
 * Migration 3: how the big columns (the original document, the record JSON, and their copies in record_history)
 * are stored. By default PostgreSQL compresses them with pglz, which is slow: on PGlite it runs in WASM on the
 * harvest's own thread, on a server it costs the server's CPU.
 *
 * - Where the server has lz4 (Debian's PostgreSQL does): lz4 compression on the four columns. About as fast as
 *   no compression, and ISO XML still shrinks about 3:1.
 * - Where it does not (PGlite is built without lz4): `records.original` and `records.record` are stored out of
 *   line uncompressed (STORAGE EXTERNAL): +27 % first-harvest records/s on PGlite, for about 3.6 times the disk
 *   of those two columns (1000 records of ~30 KB: 10.6 MB -> 37.9 MB). record_history keeps pglz: it is the
 *   table that grows with every change, and its copies are written once per change, not per harvested record.
 *
 * Only values written from now on are affected; existing ones stay as they are until rewritten. It changes the
 * catalogue only (no table rewrite).
 */
export const storageExternal = `
DO $$
BEGIN
  ALTER TABLE records
    ALTER COLUMN original SET COMPRESSION lz4,
    ALTER COLUMN record SET COMPRESSION lz4;
  ALTER TABLE record_history
    ALTER COLUMN previous_original SET COMPRESSION lz4,
    ALTER COLUMN previous_record SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  ALTER TABLE records
    ALTER COLUMN original SET STORAGE EXTERNAL,
    ALTER COLUMN record SET STORAGE EXTERNAL;
END
$$;
`;
