/**
 * The koa glue of the OGC API - Records service (STYLE §10): routes, content and language negotiation, and
 * errors rendered in the service's dialect. Everything else is in the publishers of this folder.
 *
 *   recordsRoutes(router, { db, config, logger });   // in src/http/app.ts, next to the other route groups
 *
 * `landingHtml: false` leaves `GET /` in HTML to whatever is routed after (the portal): the JSON landing page
 * is still answered here.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { HubError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import type { PublisherResponse } from '../native/records.ts';
import { collectionResponse, collectionsResponse, sortablesResponse } from './collections.ts';
import type { RecordsDeps, RecordsRequest } from './context.ts';
import { exceptionResponse } from './exceptions.ts';
import { itemResponse, itemsResponse } from './items.ts';
import { conformanceResponse, landingResponse } from './landing.ts';
import { openApiResponse } from './openapi.ts';
import type { RawQuery } from './params.ts';
import { MEDIA, trimBase, type Format, type Lang } from './urls.ts';

export interface RecordsRouteDeps {
  db: Db;
  config: { baseUrl: string };
  /** Where failures (5xx) are logged; pino loggers fit. */
  logger?: { error(obj: unknown, msg?: string): void };
}

export interface RecordsRouteOptions {
  /** Answer `GET /` in HTML too (default true); false once the portal serves the root page. */
  landingHtml?: boolean;
}

type Publisher = (deps: RecordsDeps, req: RecordsRequest, params: Record<string, string>) => PublisherResponse | Promise<PublisherResponse>;

const JSON_TYPES = [MEDIA.json, MEDIA.geojson, MEDIA.catalog, MEDIA.schema, MEDIA.openapi];

/** `f` decides; without it the Accept header (a browser's text/html wins, anything else gets JSON). */
export function negotiateFormat(ctx: Koa.Context): Format {
  const f = ctx.query.f;
  if (f === undefined || f === '') return ctx.accepts([...JSON_TYPES, MEDIA.html]) === MEDIA.html ? 'html' : 'json';
  if (f === 'json' || f === 'html') return f;
  throw new HubError('invalid_parameter', `f: unknown format "${String(f)}"; json or html.`, { locator: 'f' });
}

/** `lang` decides (fr, en, or a tag of either: fr-FR); without it Accept-Language; French by default. */
export function negotiateLang(ctx: Koa.Context): Lang {
  const lang = ctx.query.lang;
  if (lang === undefined || lang === '') return ctx.acceptsLanguages('fr', 'en') === 'en' ? 'en' : 'fr';
  const primary = typeof lang === 'string' ? lang.toLowerCase().split(/[-_]/)[0] : '';
  if (primary === 'fr' || primary === 'en') return primary;
  throw new HubError('invalid_parameter', `lang: unknown language "${String(lang)}"; fr or en.`, { locator: 'lang' });
}

function wantsHtml(ctx: Koa.Context): boolean {
  try {
    return negotiateFormat(ctx) === 'html';
  } catch {
    return false;
  }
}

function send(ctx: Koa.Context, res: PublisherResponse): void {
  ctx.status = res.status;
  // Read-only open data: any web page may use the API (as /api/search).
  ctx.set('access-control-allow-origin', '*');
  for (const [k, v] of Object.entries(res.headers)) ctx.set(k, v);
  ctx.body = res.body;
}

/**
 * A koa handler around a publisher: negotiation first, then the publisher; errors in the negotiated format
 * (always JSON for `jsonOnly` resources, whose publisher checks `f` itself).
 */
function handler(deps: RecordsRouteDeps, publisher: Publisher, jsonOnly = false): Router.Middleware {
  const recordsDeps: RecordsDeps = { db: deps.db, baseUrl: deps.config.baseUrl };
  return async (ctx) => {
    let format: Format = 'json';
    let lang: Lang = 'fr';
    try {
      if (!jsonOnly) {
        format = negotiateFormat(ctx);
        lang = negotiateLang(ctx);
      }
      // Only a client naming the catalogue media type gets it (*/* and application/json get application/json).
      const catalogJson = ctx.accepts(MEDIA.json, MEDIA.catalog) === MEDIA.catalog;
      send(ctx, await publisher(recordsDeps, { query: ctx.query as RawQuery, format, lang, catalogJson }, ctx.params));
    } catch (err) {
      const res = exceptionResponse(err, format, lang, trimBase(deps.config.baseUrl), `${trimBase(deps.config.baseUrl)}${ctx.url}`);
      if (res.status >= 500) deps.logger?.error({ err, path: ctx.path }, 'records request failed');
      send(ctx, res);
    }
  };
}

/** Registers the OGC API - Records resources on the hub's router. */
export function recordsRoutes(router: Router, deps: RecordsRouteDeps, opts: RecordsRouteOptions = {}): void {
  const landing = handler(deps, landingResponse);
  router.get('/', async (ctx, next) => {
    // The portal owns the HTML root once it exists: leave that request to the routes after this one.
    if (opts.landingHtml === false && wantsHtml(ctx)) return next();
    return landing(ctx, next);
  });
  router.get('/conformance', handler(deps, conformanceResponse));
  router.get('/openapi', handler(deps, openApiResponse, true));
  router.get('/collections', handler(deps, collectionsResponse));
  router.get('/collections/:collectionId', handler(deps, (d, r, p) => collectionResponse(d, r, p.collectionId)));
  router.get('/collections/:collectionId/sortables', handler(deps, (d, r, p) => sortablesResponse(d, r, p.collectionId), true));
  router.get('/collections/:collectionId/items', handler(deps, (d, r, p) => itemsResponse(d, r, p.collectionId)));
  router.get('/collections/:collectionId/items/:recordId',
    handler(deps, (d, r, p) => itemResponse(d, r, p.collectionId, p.recordId)));
}
