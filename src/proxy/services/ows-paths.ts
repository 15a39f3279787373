/**
 * Which paths `GET /ows/{service}/-/<path>` forwards (the rule is stated in ows.ts): those under the registered
 * URL's directory and those the service's capabilities point at (rewrite/paths.ts records them while the
 * capabilities are rewritten). A path outside them, for a service whose capabilities this process has not read
 * yet, first has them read once, through the same upstream client and rewriter as a client's GetCapabilities
 * (concurrent requests share that read), then is decided on again.
 */
import { Readable } from 'node:stream';
import { HubError } from '../../errors.ts';
import type { Admitted, ProxyDeps } from '../gate.ts';
import { DocumentPaths } from '../rewrite/paths.ts';
import { UrlRewriter } from '../rewrite/urls.ts';
import { kvpTarget } from './ows-request.ts';
import { relay } from './ows-response.ts';

/** Longest part of a refused path quoted in the error message. */
const MAX_QUOTED = 300;

/** The /-/ paths a service's documents point at, and the capabilities reads that find them. */
export class OwsPaths {
  readonly documents = new DocumentPaths();
  /** Capabilities reads in progress, by service id and registered URL. */
  private readonly reading = new Map<string, Promise<void>>();

  constructor(private readonly deps: ProxyDeps) {}

  /** Resolves when the upstream URL's path may be forwarded; a 403 HubError otherwise. */
  async check(admitted: Admitted, url: URL): Promise<void> {
    const { id, url: registered } = admitted.service;
    if (this.documents.allows(id, registered, url.pathname)) return;
    if (!this.documents.isRead(id, registered)) {
      await this.readOnce(admitted);
      if (this.documents.allows(id, registered, url.pathname)) return;
    }
    if (this.documents.isFull(id, registered)) {
      this.deps.logger.warn({ service: id, path: url.pathname }, 'ows /-/ path refused; the service has more document directories than are recorded');
    }
    const path = url.pathname.length > MAX_QUOTED ? `${url.pathname.slice(0, MAX_QUOTED)}…` : url.pathname;
    throw new HubError('forbidden',
      `The path ${path} is not one the documents of service "${id}" point at: /ows/${id}/-/ forwards only paths under `
      + 'the registered URL\'s directory and those its capabilities link to.', { locator: path });
  }

  private readOnce(admitted: Admitted): Promise<void> {
    const key = `${admitted.service.id}\n${admitted.service.url}`;
    let read = this.reading.get(key);
    if (!read) {
      read = this.readCapabilities(admitted).finally(() => this.reading.delete(key));
      this.reading.set(key, read);
    }
    return read;
  }

  /**
   * GetCapabilities of the registered URL, relayed as for a client (so its /-/ paths are recorded) and read to
   * the end. Whatever the answer (capabilities, exception report), the service counts as read afterwards; an
   * upstream failure is the request's error and leaves it unread, to be tried again.
   */
  private async readCapabilities(admitted: Admitted): Promise<void> {
    const { service } = admitted;
    const url = kvpTarget(service.url, `SERVICE=${service.protocol.toUpperCase()}&REQUEST=GetCapabilities`);
    const recorder = this.documents.recorder(service.id, service.url);
    const res = await admitted.upstream.request({ url, method: 'GET', headers: {} });
    const relayed = await relay(res, {
      rw: new UrlRewriter({ upstream: service.url, hubBase: this.deps.baseUrl, serviceId: service.id }),
      accepts: () => false,
      maxBytes: service.politeness.maxBytes,
      head: false,
      expectXml: true,
      paths: recorder,
    });
    if (relayed.body instanceof Readable) {
      for await (const _chunk of relayed.body) { /* the rewriter records as the document goes through */ }
    }
    recorder.complete();
  }
}
