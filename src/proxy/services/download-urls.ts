/**
 * Hub URLs of a download service (pure, no I/O): which upstream URLs become hub URLs, and which upstream URL a
 * hub path stands for.
 *
 *   upstream service feed (the registered URL, exactly)  ->  {BASE_URL}/download/{service}
 *   any other URL on the registered origin               ->  {BASE_URL}/download/{service}/-{path}{?query}
 *   any other host                                       ->  unchanged
 *
 * The reverse direction never takes a host from the request: the hub path only sets the path and query of a
 * URL whose origin is the registered one (upstream.ts checks the origin again before connecting).
 */

export interface DownloadUrls {
  /** The registered service feed. */
  readonly serviceUrl: URL;
  /** The hub URL of the service feed: {BASE_URL}/download/{service}. */
  readonly hubBase: string;
  /** The hub URL for an absolute or relative reference (resolved against `base`), or null when not on the origin. */
  hubUrl(raw: string, base: URL): string | null;
  /** The hub form of an absolute URL template (OpenSearch `{searchTerms}`…), or null when not on the origin. */
  hubTemplate(raw: string): string | null;
  /** The upstream URL a hub path (the part after `/-`, starting with '/') and raw query string stand for. */
  upstreamUrl(path: string, rawQuery: string): URL;
}

/** The URL mapping of one download service. */
export function downloadUrls(baseUrl: string, serviceId: string, serviceUrl: string): DownloadUrls {
  const service = new URL(serviceUrl);
  const origin = service.origin;
  const hubBase = `${baseUrl.replace(/\/+$/, '')}/download/${serviceId}`;
  const onOrigin = (u: URL) => u.origin === origin && u.username === '' && u.password === '';
  return {
    serviceUrl: service,
    hubBase,
    hubUrl(raw, base) {
      let u: URL;
      try {
        u = new URL(raw.trim(), base);
      } catch {
        return null;
      }
      if (!onOrigin(u)) return null;
      if (withoutHash(u) === withoutHash(service)) return hubBase + u.hash;
      return `${hubBase}/-${u.pathname}${u.search}${u.hash}`;
    },
    hubTemplate(raw) {
      // Templates hold `{name?}` placeholders that URL parsing would percent-encode in paths: only the origin
      // part is compared and replaced; the rest is kept character for character.
      const m = /^\s*(https?:\/\/[^/?#]+)([^\s]*)\s*$/i.exec(raw);
      if (!m) return null;
      let head: URL;
      try {
        head = new URL(m[1]);
      } catch {
        return null;
      }
      if (!onOrigin(head)) return null;
      const rest = m[2] === '' || !m[2].startsWith('/') ? `/${m[2]}` : m[2];
      return `${hubBase}/-${rest}`;
    },
    upstreamUrl(path, rawQuery) {
      const u = new URL(service.origin);
      // Setting the pathname (rather than resolving the path as a reference) keeps `//evil.example/x`,
      // `/\evil` or `/http://evil` a path on the registered origin: the host can never come from the request.
      u.pathname = path.startsWith('/') ? path : `/${path}`;
      u.search = rawQuery;
      return u;
    },
  };
}

function withoutHash(u: URL): string {
  return u.href.replace(/#.*$/, '');
}

/**
 * The same mapping, with `f` applied to every hub URL it writes (hubUrl, hubTemplate); the upstream direction
 * is unchanged. What the wrappers of the mapping (recordingUrls, withAccessKey) are made of.
 */
export function mapHubUrls(urls: DownloadUrls, f: (hub: string) => string): DownloadUrls {
  const map = (hub: string | null): string | null => (hub === null ? null : f(hub));
  return {
    serviceUrl: urls.serviceUrl,
    hubBase: urls.hubBase,
    hubUrl: (raw, base) => map(urls.hubUrl(raw, base)),
    hubTemplate: (raw) => map(urls.hubTemplate(raw)),
    upstreamUrl: (path, query) => urls.upstreamUrl(path, query),
  };
}

/**
 * The same mapping with the client's access key in every hub URL it writes: a web application that passed
 * `key=` in the query cannot set headers either when it follows the feed's links (as the OWS capabilities do,
 * rewrite/urls.ts). Never added for keys sent in a header or as HTTP Basic: those clients send them again.
 */
export function withAccessKey(urls: DownloadUrls, key: string): DownloadUrls {
  const param = `key=${encodeURIComponent(key)}`;
  return mapHubUrls(urls, (hub) => {
    const hash = hub.indexOf('#');
    const head = hash < 0 ? hub : hub.slice(0, hash);
    const fragment = hash < 0 ? '' : hub.slice(hash);
    const q = head.indexOf('?');
    return q < 0 ? `${head}?${param}${fragment}` : `${head.slice(0, q + 1)}${param}&${head.slice(q + 1)}${fragment}`;
  });
}
