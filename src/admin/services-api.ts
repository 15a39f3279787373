/**
 * The admin API of the proxied services (issue 6 §1, §5), mounted under /admin/api by src/admin/api.ts:
 * `GET/POST /services`, `GET/PUT/DELETE /services/{id}`, `GET/POST /keys`, `DELETE /keys/{id}` (revokes),
 * `GET /usage?service=&since=`. Service definitions are shown redacted (upstream header values are secrets):
 * a PUT that sends '***' back keeps the stored value (src/proxy/services-def.ts).
 */
import type Router from '@koa/router';
import { HubError } from '../errors.ts';
import { redactService } from '../proxy/services-def.ts';
import type { ServiceOps } from './services-ops.ts';

const PREFIX = '/admin/api';

/** A single-valued query parameter: `?since=a&since=b` is an error, not a silent pick. */
function single(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw new HubError('invalid_parameter', `Give ${name} once.`, { locator: name });
  return value || undefined;
}

function serviceCrud(r: Router, ops: ServiceOps): void {
  r.get('/services', async (ctx) => {
    ctx.body = { services: (await ops.listServices()).map(redactService) };
  });
  r.post('/services', async (ctx) => {
    const { status, service } = await ops.addService(ctx.request.body);
    ctx.status = status === 'created' ? 201 : 200;
    ctx.set('Location', `${PREFIX}/services/${service.id}`);
    ctx.body = { status, service: redactService(service) };
  });
  r.get('/services/:id', async (ctx) => {
    const { service, usage } = await ops.showService(ctx.params.id);
    ctx.body = { service: redactService(service), usage };
  });
  r.put('/services/:id', async (ctx) => {
    const body = ctx.request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HubError('invalid_body', 'A service definition is a JSON object.');
    const id = (body as { id?: unknown }).id;
    if (id !== undefined && id !== ctx.params.id) {
      throw new HubError('invalid_body', `Body id "${String(id)}" differs from the URL's "${ctx.params.id}".`, { locator: 'id' });
    }
    const { status, service } = await ops.addService({ ...body, id: ctx.params.id });
    ctx.status = status === 'created' ? 201 : 200;
    ctx.body = { status, service: redactService(service) };
  });
  r.delete('/services/:id', async (ctx) => {
    await ops.removeService(ctx.params.id);
    ctx.status = 204;
  });
}

function keyRoutes(r: Router, ops: ServiceOps): void {
  r.get('/keys', async (ctx) => {
    ctx.body = { keys: await ops.listKeys() };
  });
  // The only answer that ever carries the secret: it is not stored, only its hash.
  r.post('/keys', async (ctx) => {
    const created = await ops.addKey(ctx.request.body);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = created;
  });
  r.delete('/keys/:id', async (ctx) => {
    await ops.revokeKey(ctx.params.id);
    ctx.status = 204;
  });
}

/** Registers the service, key and usage routes on the admin router. */
export function serviceRoutes(r: Router, ops: ServiceOps): void {
  serviceCrud(r, ops);
  keyRoutes(r, ops);
  r.get('/usage', async (ctx) => {
    const service = single(ctx.query.service, 'service');
    const since = single(ctx.query.since, 'since');
    ctx.body = { usage: await ops.usage({ ...(service ? { service } : {}), ...(since ? { since } : {}) }) };
  });
}
