/**
 * Which paths `GET /download/{service}/-/<path>` forwards: the rule of `/ows` (ows-paths.ts, rewrite/paths.ts)
 * for INSPIRE Atom download services. A path is forwarded when it lies under
 *
 * - the registered feed's directory (a feed at the root of its host opens only itself and what lies under
 *   its own name), or
 * - the directory of a URL that a feed of the service, rewritten by the hub, sent through `/-/`: dataset
 *   feeds, files, OpenSearch templates, linked metadata.
 *
 * Feeds record their links as they go through the hub to a client. A path outside them, for a service whose
 * feeds this process has not read yet (a file URL bookmarked before a restart), first has them read once: the
 * service feed, then each dataset feed it links (atom:link of type application/atom+xml, at most MAX_FEEDS),
 * through the same upstream client and rewriter as a client's request; concurrent requests share that read.
 * Anything else is refused (403) before a request leaves the hub: `/-/` no longer reaches the whole origin
 * (its `/admin`, another application on the same host).
 */
import type { Readable } from 'node:stream';
import { HubError } from '../../errors.ts';
import type { Admitted, ProxyDeps } from '../gate.ts';
import type { PathRecorder } from '../rewrite/paths.ts';
import type { AnnouncedFile } from './download-feed.ts';
import { respond } from './download-respond.ts';
import { PathRule } from './path-rule.ts';
import { downloadUrls, mapHubUrls, type DownloadUrls } from './download-urls.ts';

/** Dataset feeds read after the service feed to find the directories of a service's files. */
export const MAX_FEEDS = 50;
const ATOM_TYPE = /^application\/atom\+xml\b/i;

/** `urls` telling `recorder` the upstream path of every URL it sends through `/-/`. */
export function recordingUrls(urls: DownloadUrls, recorder: PathRecorder): DownloadUrls {
  const prefix = `${urls.hubBase}/-`;
  return mapHubUrls(urls, (hub) => {
    // The upstream path as it was written (placeholders of templates included), without query and fragment.
    if (hub.startsWith(prefix)) recorder.seen(hub.slice(prefix.length).split(/[?#]/)[0]);
    return hub;
  });
}

/** The /-/ paths a download service's feeds point at, and the feed reads that find them. */
export class DownloadPaths extends PathRule {
  constructor(deps: ProxyDeps) {
    super(deps, { route: 'download', documents: 'feeds', home: 'the service feed\'s directory', linkers: 'its feeds' });
  }

  /** The service's URLs, recording the paths of the feeds a client is sent. */
  urlsFor(admitted: Admitted): DownloadUrls {
    const { id, url } = admitted.service;
    const recorder = this.documents.recorder(id, url);
    // A client's feed adds paths; only a complete read (read) marks the service as read.
    return recordingUrls(downloadUrls(this.deps.baseUrl, id, url), { seen: recorder.seen, complete: () => {} });
  }

  /**
   * The service feed, then its dataset feeds, rewritten as for a client (so that their /-/ paths are recorded)
   * and read to the end. A service feed the upstream does not have (404, 410) links nothing: the service counts as
   * read. Any other failure of it is the request's error and leaves the service unread, to be tried again; a
   * dataset feed failing only leaves its files out.
   */
  protected async read(admitted: Admitted): Promise<void> {
    const { service } = admitted;
    const recorder = this.documents.recorder(service.id, service.url);
    const urls = recordingUrls(downloadUrls(this.deps.baseUrl, service.id, service.url), recorder);
    const feeds: URL[] = [];
    const read = async (url: URL, onLink?: (link: AnnouncedFile) => void) => {
      const res = await respond({ service, urls, head: false, ...(onLink ? { onLink } : {}) },
        await admitted.upstream.request({ url, method: 'GET', headers: {} }));
      const body = res.body as Readable | undefined;
      // Not a feed (a file, an HTML page): nothing to record in it.
      if (body && !/xml/i.test(String(res.headers['content-type'] ?? ''))) body.destroy();
      else if (body) for await (const _chunk of body) { /* the rewriter records as the feed goes through */ }
    };
    try {
      await read(urls.serviceUrl, (link) => {
        if (link.type !== undefined && ATOM_TYPE.test(link.type) && link.url.origin === urls.serviceUrl.origin
          && feeds.length < MAX_FEEDS && !feeds.some((f) => f.href === link.url.href) && link.url.href !== urls.serviceUrl.href) {
          feeds.push(link.url);
        }
      });
    } catch (err) {
      if (!(err instanceof HubError && err.code === 'not_found')) throw err;
    }
    for (const feed of feeds) {
      await read(feed).catch((err: unknown) => {
        this.deps.logger.debug({ service: service.id, feed: feed.href, err: (err as Error).message }, 'dataset feed not read for the path rule');
      });
    }
    recorder.complete();
  }
}
