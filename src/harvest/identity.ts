/**
 * Identity across sources (DESIGN §6): the same resource harvested from a regional platform, data.gouv.fr and
 * the Géoplateforme carries the same resource identifier (gmd:identifier: code + codeSpace, a gmx:Anchor, a
 * DOI), written slightly differently. `identityKeys` turns a record's resource identifiers into normalised
 * keys; two visible records sharing a key are one resource. Pure: the store writes the keys
 * (src/store/identity.ts) and picks the preferred record of a group.
 */
import type { MdRecord, ResourceIdentifier } from '../../mappings/types.ts';

/**
 * A bare code (no codeSpace, not a URI, not a DOI, not a UUID) shorter than this is too generic to identify a
 * resource across producers ("1", "BDTOPO", "ortho"). French GeoNetworks mostly publish bare codes such as
 * "fr-243500139-referentiels-voies_adresses-rvadiffusion", so bare codes cannot simply be ignored.
 */
const MIN_BARE_CODE = 8;
/**
 * Longer "codes" are not identifiers: the Marine Institute record of the OWSLib fixtures
 * (iso19139/owslib-iso-keywords-anchor.xml) puts a whole schema.org JSON-LD document in gmd:code.
 */
const MAX_CODE = 300;

const DOI = /^(?:doi:|info:doi\/|https?:\/\/(?:dx\.)?doi\.org\/)?\s*(10\.\d{4,9}\/\S+)$/i;
const UUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
/** An absolute URI with an authority (http://…) or a URN; "CEH:EIDC:" style codeSpaces are not URIs. */
const URI = /^(?:[a-z][a-z0-9+.-]*:\/\/\S+|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$/i;

/** `doi:10.xxx/…` in lower case (DOIs are case-insensitive), from any of its written forms; null otherwise. */
export function normaliseDoi(text: string): string | null {
  const m = DOI.exec(percentDecoded(text.trim()));
  return m ? `doi:${m[1].toLowerCase()}` : null;
}

/** DOI URLs may be percent-encoded (https://doi.org/10.1000%2Fxyz); a stray % is kept as written. */
function percentDecoded(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A URI with its scheme and host case-folded (RFC 3986 §6.2.2.1: they are case-insensitive, the path is not)
 * and the default port dropped, as WHATWG URL does; a URN with its "urn:NID:" prefix case-folded (RFC 8141).
 */
export function normaliseUri(text: string): string | null {
  const t = text.trim();
  if (!URI.test(t)) return null;
  if (/^urn:/i.test(t)) {
    const [, nid, rest] = /^urn:([^:]+):(.*)$/i.exec(t)!;
    return `urn:${nid.toLowerCase()}:${rest}`;
  }
  try {
    return new URL(t).href;
  } catch {
    return null;
  }
}

/** The keys of one gmd:identifier, most specific first; none when it identifies nothing usable. */
export function identifierKeys(id: ResourceIdentifier): string[] {
  const keys: string[] = [];
  const href = id.href?.trim();
  if (href) {
    const key = normaliseDoi(href) ?? normaliseUri(href);
    if (key) keys.push(key);
  }
  const code = id.code?.trim() ?? '';
  if (code === '' || code.length > MAX_CODE) return keys;
  const key = codeKey(code, id.codeSpace?.trim() ?? '');
  if (key && !keys.includes(key)) keys.push(key);
  return keys;
}

function codeKey(code: string, codeSpace: string): string | null {
  const doi = normaliseDoi(code);
  if (doi) return doi;
  const uri = normaliseUri(code);
  if (uri) return uri;
  if (codeSpace !== '') return `${foldCodeSpace(codeSpace)}${/[/:#]$/.test(codeSpace) ? '' : '/'}${code}`;
  const uuid = UUID.exec(code);
  if (uuid) return `uuid:${uuid[1].toLowerCase()}`;
  return code.length >= MIN_BARE_CODE ? `code:${code}` : null;
}

/** A codeSpace is a namespace name: case-folded whole ("FR-243500139" = "fr-243500139"), URI or not. */
function foldCodeSpace(codeSpace: string): string {
  return (normaliseUri(codeSpace) ?? codeSpace).toLowerCase();
}

/** Every identity key of a record, deduplicated, in a stable order. */
export function identityKeys(record: Pick<MdRecord, 'resourceIdentifiers'>): string[] {
  const keys = new Set<string>();
  for (const id of record.resourceIdentifiers ?? []) for (const k of identifierKeys(id)) keys.add(k);
  return [...keys].sort();
}
