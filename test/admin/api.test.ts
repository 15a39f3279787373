import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { backends, useStore } from '../helpers/db.ts';
import { createApp } from '../../src/http/app.ts';
import { defaultSeedsDir } from '../../src/config.ts';
import { remoteOps } from '../../src/admin/client.ts';
import { HubError } from '../../src/errors.ts';

const TOKEN = 'test-admin-token-0123456789';
const demoDir = path.join(defaultSeedsDir, 'demo');

describe.each(backends)('admin API on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: Server;
  let base: string;
  let token: string | undefined;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** (Re)mounts the app with the given admin token. */
  function mount(adminToken: string | undefined) {
    token = adminToken;
    server.removeAllListeners('request');
    const app = createApp({ db: store.db, config: { baseUrl: base, adminToken, seedsDir: defaultSeedsDir }, logger: pino({ level: 'silent' }) });
    server.on('request', app.callback());
  }
  beforeEach(() => mount(TOKEN));

  const api = (p: string, init: RequestInit = {}, auth = `Bearer ${token}`) =>
    fetch(`${base}/admin/api${p}`, { ...init, headers: { authorization: auth, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  it('refuses every request when ADMIN_TOKEN is not set', async () => {
    mount(undefined);
    const res = await api('/sources', {}, 'Bearer anything');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'admin_disabled', message: expect.stringContaining('ADMIN_TOKEN') });
    expect((await api('/sources', { method: 'POST', body: '{}' }, '')).status).toBe(403);
  });

  it('needs the bearer token: 401 without, 403 with a wrong one', async () => {
    const none = await api('/sources', {}, '');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await api('/sources', {}, 'Bearer wrong-token')).status).toBe(403);
    expect((await api('/sources')).status).toBe(200);
  });

  it('creates, shows, updates and removes a source', async () => {
    const created = await api('/sources', { method: 'POST', body: JSON.stringify({ id: 'demo', type: 'directory', url: demoDir }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/api/sources/demo');
    const listed = (await (await api('/sources')).json()) as { sources: { id: string; recordCount: number }[] };
    expect(listed.sources).toEqual([expect.objectContaining({ id: 'demo', recordCount: 0 })]);
    const updated = await api('/sources/demo', { method: 'PUT', body: JSON.stringify({ type: 'directory', url: demoDir, enabled: false }) });
    expect(updated.status).toBe(200);
    expect(((await (await api('/sources/demo')).json()) as { source: { enabled: boolean } }).source.enabled).toBe(false);
    expect((await api('/sources/demo', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/sources/demo')).status).toBe(404);
    expect((await api('/sources/demo', { method: 'DELETE' })).status).toBe(404);
  });

  it('rejects an invalid source with every problem and its path', async () => {
    const res = await api('/sources', { method: 'POST', body: JSON.stringify({ id: 'Bad Id', type: 'gopher', url: '' }) });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; details: { path: string }[] };
    expect(body.error).toBe('invalid_source');
    expect(body.details.map((d) => d.path)).toEqual(expect.arrayContaining(['id', 'type', 'url']));
    expect((await api('/sources', { method: 'POST', body: '{not json' })).status).toBe(400);
  });

  it('harvests, then shows the run and its report', async () => {
    await api('/sources', { method: 'POST', body: JSON.stringify({ id: 'demo', type: 'directory', url: demoDir }) });
    const res = await api('/sources/demo/harvest', { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    const { report } = (await res.json()) as { report: { runId: number; counts: { seen: number; new: number } } };
    expect(report.counts.new).toBe(report.counts.seen);
    expect(report.counts.seen).toBeGreaterThanOrEqual(20);
    const runs = (await (await api('/runs?source=demo')).json()) as { runs: { id: number; status: string }[] };
    expect(runs.runs[0]).toMatchObject({ id: report.runId, status: 'succeeded' });
    const shown = (await (await api(`/runs/${report.runId}`)).json()) as { run: { counts: { new: number } }; issues: unknown[] };
    expect(shown.run.counts.new).toBe(report.counts.new);
    expect(Array.isArray(shown.issues)).toBe(true);
    expect((await api('/runs/999999')).status).toBe(404);
    expect((await api('/runs/abc')).status).toBe(400);
    expect((await api('/sources/nope/harvest', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('streams harvest progress as NDJSON to the CLI client, and maps errors back', async () => {
    const ops = remoteOps(base, TOKEN);
    await ops.addSource({ id: 'demo', type: 'directory', url: demoDir });
    const progress: number[] = [];
    const dry = await ops.harvest('demo', { dryRun: true, onProgress: (p) => progress.push(p.seen) });
    expect(dry.dryRun).toBe(true);
    expect(dry.counts.new).toBe(dry.counts.seen);
    expect((await ops.listRuns()).length).toBe(0);
    const real = await ops.harvest('demo');
    expect(real.counts.new).toBe(dry.counts.new);
    const again = await ops.harvest('demo');
    expect(again.counts.unchanged).toBe(real.counts.seen);
    await expect(ops.showSource('nope')).rejects.toMatchObject({ code: 'source_not_found' });
    await expect(remoteOps(base, 'wrong-token-wrong-token').listSources()).rejects.toBeInstanceOf(HubError);
  });

  it('imports the seeds', async () => {
    const res = await api('/import-seeds', { method: 'POST', body: '{}' });
    const body = (await res.json()) as { created: string[] };
    expect(body.created).toEqual(expect.arrayContaining(['demo', 'geoplateforme', 'data-gouv-fr']));
  });
});
