/** Parses a capabilities document for its flavour's mapping: safe XML layer, root checked, decoding remarks kept. */
import { MappingError, type RawDocument } from '../types.ts';
import { parseXml, qualifiedName, XmlError } from '../xml/index.ts';
import type { ReadState } from './summary.ts';

/**
 * Parses `raw` and checks its root is `expectedRoot` (`{namespace}localName`). Throws MappingError when the
 * bytes are not well-formed XML (truncated, XXE refused, undecodable) or the root is another document.
 */
export function parseCapabilities(raw: RawDocument, expectedRoot: string): ReadState {
  let doc;
  try {
    doc = parseXml(raw.bytes);
  } catch (e) {
    if (e instanceof XmlError) throw new MappingError(`cannot read capabilities document: ${e.message}`);
    throw e;
  }
  const root = doc.root;
  const key = `{${root.uri}}${root.local}`;
  if (key !== expectedRoot) {
    throw new MappingError(`not ${expectedRoot} capabilities: root element ${qualifiedName(root)} ${key}`, `/${qualifiedName(root)}`);
  }
  return { root, issues: doc.warnings.map((message) => ({ severity: 'warning' as const, path: '/', message })) };
}
