/**
 * The tasks a mapping worker thread runs (pool.ts), on data that crossed the thread boundary: structured cloning
 * turns Buffers into plain Uint8Arrays, viewed as Buffers again without a copy.
 */
import { decodedPieces, recordDocument } from '../../../harvesters/csw/responses.ts';
import { splitGetRecords, type RecordsPage, type SplitOptions } from '../../../harvesters/csw/split.ts';
import type { PageAt } from '../../../harvesters/types.ts';
import type { RawDocument } from '../../../mappings/types.ts';
import { ownStrings } from '../../store/record-text.ts';
import { mapForStore, type Mapped, type SourceRef } from '../prepare.ts';

/** A document as sent to a worker: everything but the harvester's tree, which stays in the main thread. */
export type WireDocument = Omit<RawDocument, 'parsed' | 'prepared' | 'bytes'> & { bytes: Uint8Array };

export interface MapTask {
  raw: WireDocument;
  source: SourceRef;
}

export interface PageTask {
  body: Uint8Array;
  at: PageAt;
  source: SourceRef;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Maps one document. */
export function mapTask({ raw, source }: MapTask): Mapped {
  return mapForStore({ ...raw, bytes: asBuffer(raw.bytes) }, source);
}

/**
 * Splits a CSW GetRecords page with its record trees and maps each record on its tree, as the harvester and the
 * orchestrator would in one thread (the same documents: recordDocument); undefined when the split declines.
 * The records go back as bytes: their text and trees stay here.
 */
export function cswGetRecordsTask({ body, at, source }: PageTask): RecordsPage | undefined {
  return splitGetRecords(decodedPieces(asBuffer(body)), mappedAsRead(at, source));
}

/**
 * The split's options for a page whose records are mapped as they are read: each record mapped as soon as its
 * tree is built, and the tree dropped (SplitOptions.onRecord); the record kept as bytes with its mapping.
 */
export function mappedAsRead(at: PageAt, source: SourceRef): SplitOptions {
  return {
    trees: true,
    onRecord: (r, i) => {
      const doc = recordDocument(r, r.id, at.requestUrl, at.fetchedAt, at.start + i);
      const prepared = mapForStore(doc, source);
      // Strings of their own (ownStrings): slices of the page's text would keep it alive until the page ends.
      const names = ownStrings({ uri: r.uri, local: r.local, ...(r.id === undefined ? {} : { id: r.id }) });
      return { ...names, xml: '', bytes: doc.bytes, prepared };
    },
  };
}
