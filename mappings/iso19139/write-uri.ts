/**
 * Harvested strings as xs:anyURI values (gmd:URL, xlink:href, @codeList / @codeListValue).
 *
 * libxml2 validates xs:anyURI by parsing it as an RFC 3986 reference after escaping characters that are
 * never allowed (spaces, accents, braces…). What it cannot escape makes the whole record invalid: a '%' not
 * followed by two hex digits, a second '#', a ':' in a first relative segment or a non-numeric port, a second
 * '@' in the authority, an empty port, '[' or ']' outside an IPv6 host. Each is percent-encoded here, and only when present:
 * a URI that is already acceptable is returned unchanged (trimmed).
 */

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** The value with the characters xs:anyURI validation rejects percent-encoded. */
export function toAnyUri(raw: string): string {
  const s = raw.trim().replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  const hash = s.indexOf('#');
  const main = hash < 0 ? s : s.slice(0, hash);
  const fragment = hash < 0 ? undefined : s.slice(hash + 1).replace(/#/g, '%23');
  const fixed = fixReference(main);
  return fragment === undefined ? fixed : `${fixed}#${fragment}`;
}

/** Scheme, authority, then path and query (brackets only belong to an IPv6 host). */
function fixReference(main: string): string {
  const scheme = SCHEME.exec(main);
  if (!scheme) return fixBrackets(fixRelativeColon(main));
  const rest = main.slice(scheme[0].length);
  if (!rest.startsWith('//')) return scheme[0] + fixBrackets(rest);
  const end = authorityEnd(rest);
  return `${scheme[0]}//${fixAuthority(rest.slice(2, end))}${fixBrackets(rest.slice(end))}`;
}

function authorityEnd(rest: string): number {
  const m = /[/?]/.exec(rest.slice(2));
  return m ? m.index + 2 : rest.length;
}

/** A relative reference cannot have ':' in its first segment (it would read as a scheme). */
function fixRelativeColon(ref: string): string {
  const segmentEnd = ref.search(/[/?]/);
  const first = segmentEnd < 0 ? ref : ref.slice(0, segmentEnd);
  if (!first.includes(':')) return ref;
  return first.replace(/:/g, '%3A') + (segmentEnd < 0 ? '' : ref.slice(segmentEnd));
}

/** userinfo@host:port — one '@', a numeric port, ':' nowhere else (bracketed IPv6 hosts aside). */
function fixAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : `${authority.slice(0, at).replace(/@/g, '%40')}@`;
  const hostPort = authority.slice(at + 1);
  if (/^\[[0-9A-Fa-f:.]+\](:\d*)?$/.test(hostPort)) return userinfo + hostPort;
  const colon = hostPort.lastIndexOf(':');
  const numericPort = colon >= 0 && /^\d*$/.test(hostPort.slice(colon + 1));
  const host = numericPort ? hostPort.slice(0, colon) : hostPort;
  // An empty port ("http://host:/path") is legal RFC 3986 but libxml2 rejects it: the colon goes.
  const port = numericPort && colon < hostPort.length - 1 ? hostPort.slice(colon) : '';
  return userinfo + fixBrackets(host.replace(/:/g, '%3A')) + port;
}

function fixBrackets(s: string): string {
  return s.replace(/\[/g, '%5B').replace(/\]/g, '%5D');
}
