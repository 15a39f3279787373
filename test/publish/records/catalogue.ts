/**
 * The catalogue the OGC API - Records tests query: real ISO 19139 documents (shared/fixtures/iso19139, see
 * its PROVENANCE.md) harvested from two sources, one resource from both (published once, with both
 * provenances), and one hand-made record whose title and identifier need escaping. The catalogue is filled
 * with writeCatalogue as the index sync would fill it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import Router from '@koa/router';
import type { MdRecord } from '../../../mappings/types.ts';
import { readIso19139 } from '../../../mappings/iso19139/read.ts';
import { catalogueValues, type ColumnValue } from '../../../mappings/queryables.ts';
import { writeCatalogue, type CatalogueEntry } from '../../../src/store/catalogue.ts';
import type { Db } from '../../../src/store/db.ts';
import { upsertRecord } from '../../../src/store/records.ts';
import { putSource } from '../../../src/store/sources.ts';
import { recordsRoutes } from '../../../src/publish/records/routes.ts';
import { hashOf } from '../../store/sample.ts';

/** shared/ sits beside the repository (for developers and CI alike). */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/iso19139', import.meta.url));

export const SOURCES = [
  { id: 'bretagne', title: 'GéoBretagne', url: 'https://geobretagne.fr/geonetwork/srv/fre/csw' },
  { id: 'pycsw', title: 'pycsw demo', url: 'https://demo.pycsw.org/cite/csw' },
] as const;

const FILES: Record<string, string[]> = {
  bretagne: [
    'geobretagne-bano.xml', 'geobretagne-mdmetadata.xml', 'geobretagne-service-coupled.xml', 'geopicardie-tache-urbaine.xml',
    'ifremer-multilang.xml', 'rennes-metropole-referentiel-adresse.xml', 'siglr-malformed.xml', 'owslib-iso-keywords-anchor.xml',
    'owslib-iso-che.xml', 'owslib-iso-identifier-nl.xml',
  ],
  pycsw: [
    'geobretagne-bano.xml', 'pycsw-greek-aerfo-1991.xml', 'pycsw-greek-dtm-1996.xml', 'pycsw-greek-ortho-1998.xml',
    'pycsw-maracoos-avhrr-mi.xml', 'pycsw-pacioos-mi-thredds.xml', 'pycsw-sentinel2-iso19115-2.xml', 'pycsw-service-3e9a8c05.xml',
    'gemini-dataset-valid.xml', 'gemini-series-valid.xml', 'gemini-service-valid.xml', 'owslib-iso-xml-srv.xml',
    'owslib-iso-mi.xml', 'owslib-iso19139-srv-de.xml',
  ],
};

/** The identifier of the hand-made record: characters that need escaping in a path and in HTML. */
export const SCRIPT_ID = 'moisson-test/xss&1';
export const SCRIPT_TITLE = `<script>alert('moisson')</script> Carte & "plan"`;

/** A published resource as the tests compute their expectations from. */
export interface Published {
  id: string;
  recordId: string;
  record: MdRecord;
  sources: string[];
  values: Record<string, ColumnValue>;
}

function scriptRecord(): MdRecord {
  const { record } = readIso19139(readFileSync(path.join(FIXTURES, 'owslib-iso-che.xml')));
  return { ...record, identifier: SCRIPT_ID, title: SCRIPT_TITLE, abstract: 'Un <b>résumé</b> & des <img src=x onerror=alert(1)>.',
    resourceIdentifiers: [{ code: 'xss-1', codeSpace: 'moisson' }],
    onlineResources: [{ url: 'javascript:alert(1)', name: 'Piège', function: 'information' },
      { url: 'https://example.org/data.zip', name: 'Téléchargement', function: 'download' }] };
}

async function harvest(db: Db, sourceId: string, file: string, record?: MdRecord): Promise<{ recordId: string; record: MdRecord }> {
  const bytes = readFileSync(path.join(FIXTURES, file));
  const rec = record ?? readIso19139(bytes).record;
  const nativeId = record ? SCRIPT_ID : file;
  const { id } = await upsertRecord(db, { sourceId, nativeId, record: rec, original: bytes, mediaType: 'application/xml',
    contentHash: hashOf(Buffer.concat([bytes, Buffer.from(nativeId)])) });
  return { recordId: id, record: rec };
}

/**
 * Harvests the fixtures into the store and publishes them; returns what was published. The resource in both
 * sources (geobretagne-bano) is one catalogue row whose group lists both records, the GéoBretagne one first.
 */
export async function publishFixtures(db: Db): Promise<Published[]> {
  for (const s of SOURCES) await putSource(db, { ...s, type: 'csw', enabled: true });
  const entries: CatalogueEntry[] = [];
  const shared: { recordId: string; record: MdRecord; source: string }[] = [];
  for (const source of Object.keys(FILES)) {
    for (const file of FILES[source]) {
      const h = await harvest(db, source, file);
      if (file === 'geobretagne-bano.xml') shared.push({ ...h, source });
      else entries.push({ ...h, group: { members: [h.recordId], sources: [source] } });
    }
  }
  const script = await harvest(db, 'pycsw', 'owslib-iso-che.xml', scriptRecord());
  entries.push({ ...script, group: { members: [script.recordId], sources: ['pycsw'] } });
  entries.push({ recordId: shared[0].recordId, record: shared[0].record,
    group: { members: shared.map((s) => s.recordId), sources: shared.map((s) => s.source) } });
  await writeCatalogue(db, entries);
  return entries.map((e) => {
    const values = catalogueValues(e.recordId, e.record, e.group);
    return { id: String(values.identifier), recordId: e.recordId, record: e.record, sources: e.group.sources, values };
  });
}

/** A local HTTP server answering the records routes, with its own address as the hub's base URL. */
export async function recordsServer(db: Db): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer();
  // Longer than any pause between two requests of a test on a loaded machine: a socket the server closes for
  // idleness just as the client reuses it fails the request with ECONNRESET (seen in CI under load).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = new Koa();
  const router = new Router();
  recordsRoutes(router, { db, config: { baseUrl: url } });
  app.use(router.routes()).use(router.allowedMethods());
  server.on('request', app.callback());
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
