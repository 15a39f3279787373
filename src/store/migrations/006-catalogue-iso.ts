/**
 * Migration 6: each catalogue row keeps its record written as ISO 19139 (the gmd:MD_Metadata element a CSW
 * GetRecords or GetRecordById embeds, full element set), written once by the index sync. Writing ISO 19139
 * costs ~2.5 ms a record; a page of ten never asked before cost ten times that on the request's thread.
 * NULL until the sync writes the row again (the CSW then writes it on demand).
 */
export const catalogueIso = `
ALTER TABLE catalogue ADD COLUMN iso text;
`;
