/**
 * The paths of a registered service's origin that its documents point at: what `/ows/{service}/-/<path>` may
 * forward (the rule is stated in services/ows.ts). The capabilities rewriter records, per service, the
 * directory of every upstream URL it turns into a `/-/` hub URL; the registered URL's own directory is allowed
 * from the start.
 *
 * The directory of a URL is its path up to the last `/` before the first `{` (a WMTS ResourceURL template:
 * `/1.0.0/{Layer}/default/…` → `/1.0.0/`), or up to its last `/` (a plain URL: `/legends/a.png` → `/legends/`).
 * A URL in the root directory (`/wmts`, `/geoserver`) opens only itself and its subtree, not the whole origin
 * (allowedBy); a template whose fixed part is `/` (`/{z}/{x}/{y}.png`) opens the root.
 *
 * Paths are compared as WHATWG URL parsing leaves them (what pathTarget sends: literal and `%2e` dot segments
 * already resolved), case-sensitively, in two readings; a path must lie under an allowed directory in both:
 * - segment by segment, each segment percent-decoded but split on a literal `/` only: an encoded slash (`%2F`)
 *   stays inside its segment, so `/wmts%2Fadmin` is one segment at the root, never under `/wmts/`;
 * - decoded whole, then `/` and `\` as separators, runs of them merged, dot segments resolved (RFC 3986 §5.2.4:
 *   `..` above the root stays there; `..;x` counts as `..`, as Tomcat reads it): what a server that decodes
 *   before routing sees (nginx merges slashes and decodes `%2F` before resolving dots, IIS takes `\` for `/`).
 * A path whose percent-encoding is broken is in no directory.
 */
import { LRUCache } from 'lru-cache';

/** Most directories recorded for one service (swisstopo's 3857 capabilities name about 650). */
export const MAX_DIRECTORIES = 1000;
/** Most services whose directories are kept (least recently used dropped first: their capabilities are read again). */
const MAX_SERVICES = 1000;
/** Longest upstream path recorded; longer ones are ignored (no document needs them). */
const MAX_PATH_LENGTH = 2048;

/** Where the rewriter of one capabilities document reports the upstream paths it sent under `/-/`. */
export interface PathRecorder {
  /** An upstream URL path (verbatim, placeholders included) the document now points at through `/-/`. */
  seen(upstreamPath: string): void;
  /** The whole document has been read. */
  complete(): void;
}

/** A path as its segments, in one of the two readings of the module comment; undefined when undecodable. */
type Reading = (pathname: string) => string[] | undefined;

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** First reading: split on literal `/`, each segment decoded (an encoded slash stays in its segment). */
const bySegment: Reading = (pathname) => {
  const out: string[] = [];
  for (const raw of pathname.split('/').slice(1)) {
    const segment = decode(raw);
    if (segment === undefined) return undefined;
    out.push(segment);
  }
  return out;
};

/** Second reading: decoded whole, `/` and `\` as separators (runs merged), dot segments resolved at or below the root. */
const decodedWhole: Reading = (pathname) => {
  const whole = decode(pathname);
  if (whole === undefined) return undefined;
  const parts = whole.split(/[/\\]+/).slice(1);
  const out: string[] = [];
  parts.forEach((segment, i) => {
    const name = segment.split(';')[0];
    if (name === '..') out.pop();
    else if (name !== '.') out.push(segment);
    // `/a/b/..` is the directory `/a/`: its last segment is the empty one.
    if ((name === '..' || name === '.') && i === parts.length - 1) out.push('');
  });
  return out.length === 0 ? [''] : out;
};

const READINGS = [bySegment, decodedWhole];

/** A segment written so that a slash inside it cannot be mistaken for a separator in a directory key. */
function escapeSegment(segment: string): string {
  return segment.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** The keys of every directory a path lies in, from the root down: `/`, `/a/`, `/a/b/` for `/a/b/c`. */
function ancestors(segments: string[]): string[] {
  const keys = ['/'];
  for (const segment of segments.slice(0, -1)) keys.push(`${keys[keys.length - 1]}${escapeSegment(segment)}/`);
  return keys;
}

/** The key of one exact path (segments escaped as in directory keys; `=` keeps it apart from them). */
function exactKey(segments: string[]): string {
  return `=/${segments.map(escapeSegment).join('/')}`;
}

/** A path as WHATWG URL parsing leaves it (dot segments resolved, `\` as `/`), like pathTarget's. */
function parsedPath(path: string): string {
  const url = new URL('http://upstream.invalid/');
  url.pathname = path;
  return url.pathname;
}

/** The directory of an upstream URL path: up to the last `/` before its first `{` (see the module comment). */
export function directoryOf(upstreamPath: string): string {
  return allowedBy(upstreamPath).directory;
}

/**
 * What an upstream URL path opens: its directory, except that a path in the root directory (`/wmts`,
 * `/geoserver`) opens only itself and what lies under it (`/wmts/…`), not the whole origin; a template whose
 * fixed part is the root itself (`/{z}/{x}/{y}.png`: a host given to its tiles) opens the root.
 */
export function allowedBy(upstreamPath: string): { directory: string; exact?: string } {
  const brace = upstreamPath.indexOf('{');
  const fixed = brace >= 0 ? upstreamPath.slice(0, brace) : upstreamPath;
  const directory = fixed.slice(0, fixed.lastIndexOf('/') + 1) || '/';
  if (directory !== '/' || fixed === '/' || fixed === '') return { directory };
  const own = fixed.replace(/[?#;].*$/, '').replace(/\/+$/, '');
  return own.length > 1 ? { directory: `${own}/`, exact: own } : { directory: '/' };
}

/** The allowed directories of one service, one key set per reading. */
class ServicePaths {
  readonly keys: Array<Set<string>> = READINGS.map(() => new Set<string>());
  /** Single paths allowed (a root-level path: allowedBy), per reading. */
  readonly exact: Array<Set<string>> = READINGS.map(() => new Set<string>());
  /** When a whole document of the service was last read (ms since the epoch); 0: never. */
  readAt = 0;
  full = false;

  constructor(registered: string) {
    this.add(new URL(registered).pathname);
  }

  add(upstreamPath: string): void {
    if (upstreamPath.length > MAX_PATH_LENGTH) return;
    const opened = allowedBy(upstreamPath);
    if (opened.exact !== undefined) {
      const segments = READINGS.map((read) => read(parsedPath(opened.exact!)));
      if (segments.every((r) => r !== undefined)) segments.forEach((r, i) => this.exact[i].add(exactKey(r!)));
    }
    const directory = parsedPath(opened.directory);
    const readings = READINGS.map((read) => read(directory));
    if (readings.some((r) => r === undefined)) return;
    const keys = readings.map((segments) => ancestors(segments!).pop()!);
    if (keys.every((key, i) => this.keys[i].has(key))) return;
    if (this.keys[0].size >= MAX_DIRECTORIES) {
      this.full = true;
      return;
    }
    keys.forEach((key, i) => this.keys[i].add(key));
  }

  allows(pathname: string): boolean {
    return READINGS.every((read, i) => {
      const segments = read(pathname);
      return segments !== undefined && (ancestors(segments).some((key) => this.keys[i].has(key)) || this.exact[i].has(exactKey(segments)));
    });
  }
}

/** The directories each service's documents point at, kept in memory by service id and registered URL. */
export class DocumentPaths {
  private readonly services = new LRUCache<string, ServicePaths>({ max: MAX_SERVICES });

  private entry(serviceId: string, registered: string): ServicePaths {
    const key = `${serviceId}\n${registered}`;
    let paths = this.services.get(key);
    if (!paths) {
      paths = new ServicePaths(registered);
      this.services.set(key, paths);
    }
    return paths;
  }

  /** The recorder for one capabilities document of a service. */
  recorder(serviceId: string, registered: string): PathRecorder {
    return {
      seen: (upstreamPath) => this.entry(serviceId, registered).add(upstreamPath),
      complete: () => { this.entry(serviceId, registered).readAt = Date.now(); },
    };
  }

  /** True once a whole capabilities document of the service has been read by this process (within `withinMs`). */
  isRead(serviceId: string, registered: string, withinMs = Infinity): boolean {
    const at = this.entry(serviceId, registered).readAt;
    return at > 0 && Date.now() - at < withinMs;
  }

  /** True when more directories were offered than MAX_DIRECTORIES: some of the service's documents are not covered. */
  isFull(serviceId: string, registered: string): boolean {
    return this.entry(serviceId, registered).full;
  }

  /** True when `pathname` (as pathTarget sends it) lies under an allowed directory of the service in both readings. */
  allows(serviceId: string, registered: string, pathname: string): boolean {
    return this.entry(serviceId, registered).allows(pathname);
  }
}
