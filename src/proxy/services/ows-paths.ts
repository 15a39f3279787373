/**
 * Which paths `GET /ows/{service}/-/<path>` forwards (the rule is stated in ows.ts): those under the registered
 * URL's directory and those the service's capabilities point at (rewrite/paths.ts records them while the
 * capabilities are rewritten). A path outside them, for a service whose capabilities this process has not read
 * yet, first has them read once, through the same upstream client and rewriter as a client's GetCapabilities
 * (concurrent requests share that read), then is decided on again.
 */
import { Readable } from 'node:stream';
import type { Admitted, ProxyDeps } from '../gate.ts';
import { PathRule } from './path-rule.ts';
import { UrlRewriter } from '../rewrite/urls.ts';
import { kvpTarget } from './ows-request.ts';
import { relay } from './ows-response.ts';

/** The /-/ paths a service's documents point at, and the capabilities reads that find them. */
export class OwsPaths extends PathRule {
  constructor(deps: ProxyDeps) {
    super(deps, { route: 'ows', documents: 'documents', home: 'the registered URL\'s directory', linkers: 'its capabilities' });
  }

  /**
   * GetCapabilities of the registered URL, relayed as for a client (so its /-/ paths are recorded) and read to
   * the end. Whatever the answer (capabilities, exception report), the service counts as read afterwards; an
   * upstream failure is the request's error and leaves it unread, to be tried again.
   */
  protected async read(admitted: Admitted): Promise<void> {
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
