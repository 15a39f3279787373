/**
 * Migration 9: the catalogue keeps each record's ISO 19139 element once, as its stored gzip piece (iso_gz,
 * migration 8); the text copy (iso, migration 6) goes. Out of line, the two interleaved in the catalogue's TOAST
 * table: the ten pieces of a page lay on ten pages of it instead of four, and with 100,000 records the store
 * held ~400 MB more. Readers that want text inflate the piece (gzip-stitch.ts inflatePiece). Rows not packed
 * yet (iso_gz NULL) are packed from their records by the index sync; until then their element is written on
 * demand, as before.
 */
export const catalogueIsoDrop = `
ALTER TABLE catalogue DROP COLUMN iso;
`;
