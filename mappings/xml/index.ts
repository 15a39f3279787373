/**
 * The safe, namespace-aware XML layer shared by the mappings and the harvesters: parse untrusted bytes into a
 * light element tree, walk it by (namespace URI, local name), locate elements for issues, write subtrees back.
 */
export { parseXml, TreeBuilder, XmlError, type ParseOptions, type XmlDocument, type XmlErrorKind } from './parse.ts';
export { decodeXml, decodeXmlPieces, type Decoded } from './decode.ts';
export {
  attribute,
  elements,
  first,
  firstElement,
  inScopeNamespaces,
  isElement,
  matches,
  select,
  textOf,
  type Step,
  type XmlAttribute,
  type XmlElement,
  type XmlNode,
} from './tree.ts';
export { CANONICAL_PREFIXES, locate, qualifiedName } from './location.ts';
export { serializeElement, type SerializeOptions } from './serialize.ts';
