/**
 * The landing page and the conformance declaration of the OGC API - Records service (OGC API - Features
 * §7.2 and §7.4, which Records builds on). The landing page lives at the hub's root: in JSON it is this
 * document; in HTML the portal may take `/` over (recordsRoutes' `landingHtml` option).
 */
import type { PublisherResponse } from '../native/records.ts';
import { CONFORMANCE } from './conformance.ts';
import { base, checkKnownCommon, chosenLang, htmlResponse, jsonResponse, type RecordsDeps, type RecordsRequest } from './context.ts';
import { messages } from './i18n.ts';
import { conformancePage, landingPage } from './html/pages.ts';
import { collectionsUrl, MEDIA, selfLinks, type Link } from './urls.ts';

export interface LandingDocument {
  title: string;
  description: string;
  links: Link[];
}

/** The landing page's links (Features /req/core/root-success): the API definition, conformance, data. */
export function landingDocument(deps: RecordsDeps, req: RecordsRequest): LandingDocument {
  const b = base(deps);
  const t = messages(req.lang);
  const lang = chosenLang(req);
  return {
    title: t.hubTitle,
    description: t.hubDescription,
    links: [
      ...selfLinks(`${b}/`, req.format, MEDIA.json, {}, lang),
      { href: `${b}/openapi`, rel: 'service-desc', type: MEDIA.openapi, title: t.openapi },
      { href: `${b}/conformance`, rel: 'conformance', type: MEDIA.json, title: t.conformance },
      { href: `${b}/conformance`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance', type: MEDIA.json, title: t.conformance },
      { href: collectionsUrl(b), rel: 'data', type: MEDIA.json, title: t.collections },
      { href: collectionsUrl(b), rel: 'http://www.opengis.net/def/rel/ogc/1.0/data', type: MEDIA.json, title: t.collections },
    ],
  };
}

/** `GET /` (JSON, or HTML until the portal serves the root). */
export function landingResponse(deps: RecordsDeps, req: RecordsRequest): PublisherResponse {
  checkKnownCommon(req);
  const doc = landingDocument(deps, req);
  if (req.format === 'html') return htmlResponse(landingPage(doc, base(deps), req.lang));
  return jsonResponse({ ...doc }, MEDIA.json);
}

/** `GET /conformance`. */
export function conformanceResponse(deps: RecordsDeps, req: RecordsRequest): PublisherResponse {
  checkKnownCommon(req);
  const b = base(deps);
  const links = selfLinks(`${b}/conformance`, req.format, MEDIA.json, {}, chosenLang(req));
  if (req.format === 'html') return htmlResponse(conformancePage(CONFORMANCE, b, req.lang));
  return jsonResponse({ conformsTo: [...CONFORMANCE], links }, MEDIA.json);
}
