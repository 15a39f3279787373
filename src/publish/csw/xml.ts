/**
 * Shared building blocks of the CSW documents: a UTF-8 document with its root and prefixes, element strings
 * without XML declaration (records embedded in responses), and the splice that puts pre-serialised record
 * strings inside an envelope without parsing them again.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { setAttribute, setText } from '../../../mappings/iso19139/write-xml.ts';

export type Node = XMLBuilder;

/**
 * A new document (or fragment) whose root is `qname` in `ns`, with the given prefixes declared on it.
 * Characters XML 1.0 forbids (harvested text does carry C0 controls) are dropped rather than written.
 */
export function newRoot(ns: string, qname: string, prefixes: Record<string, string>, declaration = true): Node {
  const doc = declaration
    ? create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' })
    : create({ invalidCharReplacement: '' });
  const root = doc.ele(ns, qname);
  const own = qname.slice(0, qname.indexOf(':'));
  for (const [prefix, uri] of Object.entries(prefixes)) {
    if (prefix !== own) root.att(`xmlns:${prefix}`, uri);
  }
  return root;
}

/** The whole document of `node` as a string (with its XML declaration when it was created with one). */
export function serialize(node: Node, headless = false): string {
  return node.end({ prettyPrint: false, headless });
}

/** A child element holding `value` as text (harvested or client text: see setText). */
export function textElement(parent: Node, qname: string, value: string): Node {
  return setText(parent.ele(qname), value);
}

/** Sets an attribute whose value may come from a client or a harvested record. */
export function attribute(node: Node, name: string, value: string): Node {
  return setAttribute(node, name, value);
}

/**
 * The XML declaration of a serialised document removed, so that the element can be embedded in another
 * document. A declaration cannot contain "?>", so the first one ends it.
 */
export function stripXmlDeclaration(xml: string): string {
  return xml.replace(/^\uFEFF?\s*<\?xml[^]*?\?>\s*/, '');
}

/** The marker a container element receives where embedded records go (a comment: nothing else writes one). */
export const RECORDS_MARKER = 'moisson:records';

/**
 * The envelope with the records in place of its marker, as UTF-8 bytes. Each record is encoded on its own and
 * the pieces concatenated: joining ten ~13 KB strings that hold non-Latin-1 characters (every French record)
 * costs V8 ~2.5 ms, encoding and concatenating them ~0.6 ms, and the bytes are what goes out (or to gzip).
 */
export function spliceRecordBytes(envelope: string, records: readonly string[], name: string = RECORDS_MARKER): Buffer {
  const marker = `<!--${name}-->`;
  const at = envelope.indexOf(marker);
  if (at < 0) throw new Error('record marker missing from the envelope');
  return Buffer.concat([
    Buffer.from(envelope.slice(0, at)),
    ...records.map((r) => Buffer.from(stripXmlDeclaration(r))),
    Buffer.from(envelope.slice(at + marker.length)),
  ]);
}

/**
 * Replaces the `marker` comment of `envelope` (RECORDS_MARKER by default) by `content`. Text and attribute
 * values written by xmlbuilder2 escape '<', so the only '<!--' sequences in the envelope are the markers.
 */
export function spliceRecords(envelope: string, content: string, name: string = RECORDS_MARKER): string {
  const marker = `<!--${name}-->`;
  const at = envelope.indexOf(marker);
  if (at < 0) throw new Error('record marker missing from the envelope');
  return envelope.slice(0, at) + content + envelope.slice(at + marker.length);
}
