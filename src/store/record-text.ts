/**
 * The JSON text of a record, made once where it is mapped (prepare.ts), kept instead of the record's objects until
 * it is written (records.ts, records-batch.ts). No import but types: the mapping threads load it too.
 */
import type { MdRecord } from '../../mappings/types.ts';

/**
 * A record as a harvest hands it to the store: its JSON text, made once as it was mapped, and the fields the
 * store reads from it (its columns and identity keys), with strings of their own. A run holds its mapped records
 * from their mapping to their write (a page and a batch or two: hundreds); as objects, each was thousands of
 * small objects that the garbage collector copied at every young collection and then promoted and marked, as
 * text one string each (bench/harvest).
 */
export interface RecordText {
  json: string;
  identifier: MdRecord['identifier'];
  hierarchyLevel: MdRecord['hierarchyLevel'];
  title: MdRecord['title'];
  resourceIdentifiers: MdRecord['resourceIdentifiers'];
}

/**
 * A copy of JSON data whose strings are all new. A string read from a tree or a page is a slice of the text it
 * was parsed from, and V8 keeps that whole text alive for its smallest slice: a record's native id or a line
 * quoting a value, kept until the record's write, kept the page's text with it (megabytes, copied by every young
 * collection, then promoted).
 */
export function ownStrings<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The record as RecordText: nothing in it is a slice of a larger string (the page the record was read from). */
export function recordText(record: MdRecord): RecordText {
  const { identifier, hierarchyLevel, title, resourceIdentifiers } = record;
  return { json: JSON.stringify(record), ...ownStrings({ identifier, hierarchyLevel, title, resourceIdentifiers }) };
}

/** The JSON text of a record given either way. */
export function recordJson(record: MdRecord | RecordText): string {
  return isRecordText(record) ? record.json : JSON.stringify(record);
}

function isRecordText(record: MdRecord | RecordText): record is RecordText {
  return typeof (record as Partial<RecordText>).json === 'string';
}
