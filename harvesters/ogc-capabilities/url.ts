/**
 * GetCapabilities request URLs and the native id of a capabilities document (pure, tested alone, STYLE §5).
 * OGC KVP parameter names are case-insensitive (OWS Common 1.1 §11.5.2): they are matched as such.
 */

/** Query parameters that change from request to request without changing the document (cache busters). */
const VOLATILE = new Set(['_', '_dc', 'nocache', 'timestamp', 'random', 'cachebuster']);
/** Standard OGC KVP parameters, whose name case does not matter. */
const OGC_KVP = new Set(['service', 'request', 'version', 'acceptversions', 'sections', 'updatesequence', 'acceptformats', 'language']);

/** Services the source options may name, with the version asked when the URL names none. */
export const SERVICE_VERSIONS: Readonly<Record<string, string>> = { WMS: '1.3.0', WMTS: '1.0.0', WFS: '2.0.0' };

/**
 * The GetCapabilities URL for a source: `source.url` as given when it already is one; otherwise REQUEST (and
 * SERVICE, when the source says which) are added, keeping every other parameter (MapServer's `map=`…).
 */
export function capabilitiesRequestUrl(sourceUrl: string, service?: string): string {
  const url = new URL(sourceUrl);
  const has = (name: string) => [...url.searchParams.keys()].some((k) => k.toLowerCase() === name);
  const svc = service?.toUpperCase();
  if (!has('service') && svc) url.searchParams.set('SERVICE', svc);
  if (!has('request')) url.searchParams.set('REQUEST', 'GetCapabilities');
  return url.href;
}

/**
 * A stable id for the capabilities at `url`: cache-busting parameters and the fragment dropped, OGC parameter
 * names lower-cased, parameters sorted, so that `?SERVICE=WMS&REQUEST=GetCapabilities&_=1712…` and
 * `?request=GetCapabilities&service=WMS` name the same document.
 */
export function capabilitiesNativeId(url: string): string {
  const u = new URL(url);
  const params = [...u.searchParams]
    .filter(([k]) => !VOLATILE.has(k.toLowerCase()))
    .map(([k, v]): [string, string] => [OGC_KVP.has(k.toLowerCase()) ? k.toLowerCase() : k, v])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  u.search = '';
  u.hash = '';
  for (const [k, v] of params) u.searchParams.append(k, v);
  return u.href;
}
