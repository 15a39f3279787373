/**
 * Migration 8: each catalogue row also keeps its ISO 19139 element compressed, as a piece of a gzip answer
 * (src/http/gzip-stitch.ts: CRC-32, length, raw DEFLATE ended by a sync flush). A GetRecords page for a client
 * that accepts gzip is then stitched from ten stored pieces: no UTF-8 decoding of ~120 KB of text coming from
 * the store, no re-encoding, no compression per request.
 *
 * The bytes are compressed already: stored out of line as they are (STORAGE EXTERNAL), PostgreSQL does not try
 * to compress them again. NULL until the index sync packs the row (it packs the rows written before this
 * migration a batch at a time; a page with an unpacked row is written the plain way).
 */
export const catalogueIsoGz = `
ALTER TABLE catalogue ADD COLUMN iso_gz bytea;
ALTER TABLE catalogue ALTER COLUMN iso_gz SET STORAGE EXTERNAL;
`;
