/**
 * The path rule of a proxy's `/-/` routes (`/ows/{service}/-/`, `/download/{service}/-/`): a path is forwarded
 * when the service's documents point at its directory (rewrite/paths.ts records them as the documents are
 * rewritten). A path outside them, for a service whose documents this process has not read in the last ten
 * minutes, first has them read (concurrent requests share that read), then is decided on again; otherwise it is
 * refused with 403.
 * What "the documents" are and how they are read is the subclass's: capabilities (ows-paths.ts), feeds
 * (download-paths.ts).
 */
import { HubError } from '../../errors.ts';
import type { Admitted, ProxyDeps } from '../gate.ts';
import { DocumentPaths } from '../rewrite/paths.ts';

/**
 * How long a read of the service's documents stands for a path it did not open: after that, such a path has
 * them read again (once for all the requests waiting), so that a directory the upstream added since is found.
 */
const REREAD_AFTER_MS = 10 * 60_000;

/** Longest part of a refused path quoted in the error message. */
const MAX_QUOTED = 300;

/** How the refusal names the route and its documents. */
export interface PathRuleWords {
  /** The route's first segment: `ows`, `download`. */
  route: string;
  /** The service's documents, plural: `documents`, `feeds`. */
  documents: string;
  /** The directory always open: "the registered URL's directory". */
  home: string;
  /** What else is linked: "its capabilities". */
  linkers: string;
}

export abstract class PathRule {
  readonly documents = new DocumentPaths();
  /** Reads in progress, by service id and registered URL. */
  private readonly reading = new Map<string, Promise<void>>();

  constructor(protected readonly deps: ProxyDeps, private readonly words: PathRuleWords, private readonly rereadAfterMs = REREAD_AFTER_MS) {}

  /** Reads the service's documents through the rewriter, so that their paths are recorded, and marks them read. */
  protected abstract read(admitted: Admitted): Promise<void>;

  /** Resolves when the upstream URL's path may be forwarded; a 403 HubError otherwise. */
  async check(admitted: Admitted, url: URL): Promise<void> {
    const { id, url: registered } = admitted.service;
    if (this.documents.allows(id, registered, url.pathname)) return;
    if (!this.documents.isRead(id, registered, this.rereadAfterMs)) {
      await this.readOnce(admitted);
      if (this.documents.allows(id, registered, url.pathname)) return;
    }
    const w = this.words;
    if (this.documents.isFull(id, registered)) {
      this.deps.logger.warn({ service: id, path: url.pathname }, `${w.route} /-/ path refused; the service has more document directories than are recorded`);
    }
    const path = url.pathname.length > MAX_QUOTED ? `${url.pathname.slice(0, MAX_QUOTED)}…` : url.pathname;
    throw new HubError('forbidden',
      `The path ${path} is not one the ${w.documents} of service "${id}" point at: /${w.route}/${id}/-/ forwards only paths under `
      + `${w.home} and those ${w.linkers} link to.`, { locator: path });
  }

  private readOnce(admitted: Admitted): Promise<void> {
    const key = `${admitted.service.id}\n${admitted.service.url}`;
    let read = this.reading.get(key);
    if (!read) {
      read = this.read(admitted).finally(() => this.reading.delete(key));
      this.reading.set(key, read);
    }
    return read;
  }
}
