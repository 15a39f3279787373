/**
 * The thin koa glue of the DCAT catalogue (STYLE §10): `GET /catalog` (content negotiation on Accept) and
 * `GET /catalog.{rdf,xml,ttl,nt,jsonld,json}`. @koa/router answers HEAD on GET routes, which udata's DCAT harvester
 * uses to learn the format of an extension-less URL from the Content-Type. Errors are thrown as HubErrors and
 * rendered by the app's error middleware.
 */
import type Router from '@koa/router';
import type { Db } from '../../store/db.ts';
import { catalogResponse, negotiateDcatFormat, type DcatHubInfo } from './catalog.ts';

export interface DcatRouteDeps {
  db: Db;
  baseUrl: string;
  hub: DcatHubInfo;
}

export function dcatRoutes(router: Router, deps: DcatRouteDeps): void {
  const handler = (extension: string | undefined): Router.Middleware => async (ctx) => {
    const ext = extension ?? '';
    const format = negotiateDcatFormat(ctx.get('accept') || undefined, ext || undefined);
    const res = await catalogResponse(deps.db, ctx.query, format, deps.baseUrl, deps.hub, {
      extension: ext,
      ifNoneMatch: ctx.get('if-none-match') || undefined,
    });
    ctx.status = res.status;
    for (const [k, v] of Object.entries(res.headers)) ctx.set(k, v);
    ctx.body = res.status === 304 ? null : res.body;
  };
  router.get('/catalog', handler(undefined));
  router.get('/catalog.:ext', async (ctx, next) => handler(ctx.params.ext)(ctx, next));
}
