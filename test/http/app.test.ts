import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { backends, useStore } from '../helpers/db.ts';
import { validateXmlMany, formatValidationErrors } from '../helpers/xmllint.ts';
import { createApp } from '../../src/http/app.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { getSource, putSource } from '../../src/store/sources.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { defaultSeedsDir } from '../../src/config.ts';

const demoDir = path.join(defaultSeedsDir, 'demo');
const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));
const demoFiles = readFileSync(path.join(demoDir, 'PROVENANCE.md'), 'utf8').match(/^\| [\w.-]+\.xml /gm)!.length;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.each(backends)('HTTP record endpoints on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer();
    base = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(async () => {
    server.removeAllListeners('request');
    const app = createApp({ db: store.db, config: { baseUrl: 'https://hub.example.fr' }, logger: pino({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }) });
    server.on('request', app.callback());
    await putSource(store.db, { id: 'demo', type: 'directory', url: demoDir, enabled: true });
    const report = await runHarvest(store.db, (await getSource(store.db, 'demo'))!);
    expect(report.counts.new).toBe(demoFiles);
  });

  it('answers /healthz and /readyz with the store kind', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    // No search index in this app: the outbox still tells how far behind an index would be.
    expect(await ready.json()).toMatchObject({ status: 'ready', store: backend.name, search: { engine: null, lag: demoFiles } });
  });

  it('serves the JSON Schemas of schemas/ at /schemas/, byte for byte, and each compiles', async () => {
    const list = await (await fetch(`${base}/schemas/`)).json() as { schemas: { name: string; url: string }[] };
    expect(list.schemas.map((s) => s.name)).toEqual(['record', 'source', 'service', 'config']);
    for (const s of list.schemas) {
      expect(s.url).toBe(`https://hub.example.fr/schemas/${s.name}.schema.json`);
      const res = await fetch(`${base}/schemas/${s.name}.schema.json`);
      expect(res.headers.get('content-type')).toMatch(/^application\/schema\+json/);
      const text = await res.text();
      expect(text).toBe(readFileSync(path.join(schemasDir, `${s.name}.schema.json`), 'utf8'));
      expect(() => new Ajv2020({ strict: false }).compile(JSON.parse(text))).not.toThrow();
    }
    for (const bad of ['nope.json', '..%2Fpackage.json', 'record.schema.json%00']) {
      const res = await fetch(`${base}/schemas/${bad}`);
      expect(res.status, bad).toBe(404);
      expect((await res.json() as { message: string }).message).toMatch(/the schemas are record\.schema\.json/);
    }
  });

  it('exposes Prometheus metrics with request counts and the record gauge', async () => {
    await fetch(`${base}/records`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/moisson_http_requests_total\{method="GET",route="\/records",status="200"\} 1/);
    expect(text).toContain(`moisson_records ${demoFiles}`);
  });

  it('lists records with an exact total and pages through them without overlap', async () => {
    const all = (await (await fetch(`${base}/records?limit=1000`)).json()) as { total: number; records: { id: string }[] };
    expect(all.total).toBe(demoFiles);
    const seen = new Set<string>();
    for (let page = 1; page <= Math.ceil(demoFiles / 6); page++) {
      const body = (await (await fetch(`${base}/records?page=${page}&limit=6`)).json()) as { total: number; records: { id: string; title: string; source: string; type: string }[] };
      expect(body.total).toBe(demoFiles);
      for (const r of body.records) {
        expect(r).toMatchObject({ source: 'demo', id: expect.any(String), title: expect.any(String), type: expect.any(String) });
        seen.add(r.id);
      }
    }
    expect(seen.size).toBe(demoFiles);
    expect(((await (await fetch(`${base}/records?source=nope`)).json()) as { total: number }).total).toBe(0);
  });

  it('rejects bad paging parameters with a 400 naming the parameter', async () => {
    const res = await fetch(`${base}/records?limit=abc`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_parameter', locator: 'limit', message: expect.stringContaining('limit') });
    expect((await fetch(`${base}/records?page=0`)).status).toBe(400);
  });

  it('serves one record as JSON, with provenance and links to every format', async () => {
    const { records } = (await (await fetch(`${base}/records?limit=1000`)).json()) as { records: { id: string; title: string }[] };
    const bano = records.find((r) => r.title.includes("Base d'Adresse Nationale Ouverte"))!;
    expect(bano).toBeDefined();
    const body = (await (await fetch(`${base}/records/${bano.id}.json`)).json()) as Record<string, any>;
    expect(body.record.identifier).toBe('9ffb161b-d8d8-4ec4-bde5-a03104300df8');
    expect(body.record.provenance).toMatchObject({ sourceId: 'demo', mediaType: expect.stringContaining('xml') });
    expect(body.links.iso19139).toBe(`https://hub.example.fr/records/${bano.id}.xml`);
    const negotiated = await fetch(`${base}/records/${bano.id}`, { headers: { accept: 'application/xml' } });
    expect(negotiated.headers.get('content-type')).toContain('application/xml');
  });

  it('serves the original document byte for byte', async () => {
    const { records } = (await (await fetch(`${base}/records?limit=1000`)).json()) as { records: { id: string; title: string }[] };
    for (const r of records) {
      const json = (await (await fetch(`${base}/records/${r.id}.json`)).json()) as { record: { provenance: { url: string } } };
      const file = fileURLToPath(json.record.provenance.url);
      const res = await fetch(`${base}/records/${r.id}/original`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(file))).toBe(true);
    }
  });

  it('writes every demo record as ISO 19139 valid against the XSD', async () => {
    const { records } = (await (await fetch(`${base}/records?limit=1000`)).json()) as { records: { id: string }[] };
    const docs = [];
    for (const r of records) {
      const res = await fetch(`${base}/records/${r.id}.xml`);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBeTruthy();
      docs.push({ name: `${r.id}.xml`, xml: await res.text() });
    }
    const results = await validateXmlMany(docs);
    expect(results.filter((r) => !r.valid), formatValidationErrors(results)).toEqual([]);
  });

  it('answers an unknown record or path with a JSON 404', async () => {
    const res = await fetch(`${base}/records/does-not-exist.xml`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'record_not_found', status: 404 });
    const other = await fetch(`${base}/nowhere`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: 'not_found' });
  });
});
