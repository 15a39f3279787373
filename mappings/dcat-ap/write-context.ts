/** What the DCAT writer parts share: the caller's context, the quads written so far, and text helpers. */
import type { NamedNode } from 'n3';
import type { MdRecord, Translations } from '../types.ts';
import { bcp47 } from './write-languages.ts';
import { QuadList, text, type Subject } from './write-terms.ts';

/** One record of the resource's group: the hub record, the source it was harvested from. */
export interface DcatMember {
  recordId: string;
  sourceId: string;
  sourceTitle?: string;
  /** The source's endpoint (CSW, DCAT catalogue…); written only when it is an http(s) IRI. */
  sourceUrl?: string;
}

/** What the writer needs besides the record: where the hub is, and which records the resource comes from. */
export interface DcatContext {
  /** The hub's public base URL, without a trailing slash. */
  baseUrl: string;
  /** The hub record published for the resource (the preferred member of its group). */
  recordId: string;
  /** The identifier the resource is published under (its fileIdentifier, else the hub's record id). */
  identifier: string;
  /** Every record of the group, the preferred one first. */
  members: DcatMember[];
  /** Latest change of any member in the hub. */
  changed: Date;
  /**
   * Resource IRIs of hub resources a service operates on, keyed by the srv:operatesOn uuidref or href; the caller
   * resolves them (the writer is pure), unresolved references are not written.
   */
  servedDatasets?: ReadonlyMap<string, string>;
}

/** The state of one description being written. */
export interface DcatWriter {
  q: QuadList;
  rec: MdRecord;
  ctx: DcatContext;
  /** The resource (dcat:Dataset, dcat:DatasetSeries or dcat:DataService). */
  subject: NamedNode;
  /** BCP 47 tag of the metadata language: free text of the record is in it. */
  lang?: string;
}

/**
 * A free-text field in the metadata language and its translations (PT_FreeText), one literal per language; a
 * translation identical to the main text is not repeated.
 */
export function texts(w: DcatWriter, s: Subject, p: string, main: string | undefined, translations?: Translations): void {
  w.q.add(s, p, text(main, w.lang));
  for (const [code, value] of Object.entries(translations ?? {})) {
    const tag = bcp47(code);
    if (tag && tag === w.lang && value.trim() === main?.trim()) continue;
    w.q.add(s, p, text(value, tag));
  }
}
