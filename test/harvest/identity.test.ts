import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readIso19139 } from '../../mappings/iso19139/read.ts';
import { identifierKeys, identityKeys, normaliseDoi } from '../../src/harvest/identity.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { listRecordsResponse, recordResponse } from '../../src/publish/native/records.ts';
import { getIdentityKeys, listDistinct, rebuildIdentity, resourceGroup } from '../../src/store/identity.ts';
import { recordId, withdrawRecords } from '../../src/store/records.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const ISO = path.join(sharedFixtures, 'iso19139');
const keysOf = async (file: string) => identityKeys(readIso19139(await readFile(path.join(ISO, file))).record);

describe('identity keys of real records', () => {
  it('keeps the bare codes French GeoNetworks publish (GéoBretagne BANO, Rennes Métropole)', async () => {
    expect(await keysOf('geobretagne-bano.xml')).toEqual(['code:fr-openstreetmap-bano-bretagne']);
    expect(await keysOf('rennes-metropole-referentiel-adresse.xml')).toEqual(['code:fr-243500139-referentiels-voies_adresses-rvadiffusion']);
  });

  it('joins code and codeSpace, without doubling the separator a codeSpace already ends with', async () => {
    // GEMINI test records: codeSpace "CEH:EIDC:", code "1300392329603"; the dataset and the series share it.
    expect(await keysOf('gemini-dataset-valid.xml')).toEqual(['ceh:eidc:1300392329603']);
    expect(await keysOf('gemini-series-valid.xml')).toEqual(['ceh:eidc:1300392329603']);
  });

  it('takes the gmx:Anchor href and the code of an anchored identifier', async () => {
    expect(await keysOf('owslib-iso-identifier-nl.xml')).toEqual([
      'https://www.nationaalgeoregister.nl/geonetwork/srv/metadata/f44dac86-2228-412f-8355-e56446ca9933',
      'uuid:b3ed10bc-479a-4277-9683-56c908a7fa83',
    ]);
  });

  it('uses a code that is a URI as it is, whatever its codeSpace, and lower-cases braced GUIDs', async () => {
    expect(await keysOf('pycsw-service-3e9a8c05.xml')).toEqual(['http://aiolos.survey.ntua.gr/']);
    expect(await keysOf('siglr-malformed.xml')).toEqual(['uuid:6910f260-77f7-409e-a913-ff39d5a49b2f']);
  });

  it('ignores a JSON-LD document stored as a code (Marine Institute record)', async () => {
    expect(await keysOf('owslib-iso-keywords-anchor.xml')).toEqual(['code:ie.marine.data:dataset.1135']);
  });

  it('gives no key to a record without resource identifier', async () => {
    expect(await keysOf('geopicardie-tache-urbaine.xml')).toEqual([]);
  });
});

describe('identifier normalisation', () => {
  it('recognises a DOI in each of its written forms', () => {
    const forms = ['10.5281/Zenodo.123', 'doi:10.5281/zenodo.123', 'DOI:10.5281/ZENODO.123', 'https://doi.org/10.5281/zenodo.123',
      'http://dx.doi.org/10.5281%2Fzenodo.123', 'info:doi/10.5281/zenodo.123', ' 10.5281/zenodo.123 '];
    for (const f of forms) expect(normaliseDoi(f), f).toBe('doi:10.5281/zenodo.123');
    expect(identifierKeys({ code: 'https://doi.org/10.5281/ZENODO.123', codeSpace: 'https://doi.org/' })).toEqual(['doi:10.5281/zenodo.123']);
    expect(identifierKeys({ code: 'x', href: 'https://doi.org/10.5281/zenodo.123' })).toEqual(['doi:10.5281/zenodo.123']);
  });

  it('case-folds the codeSpace and the scheme and host of URIs, not their path', () => {
    expect(identifierKeys({ code: 'BDTOPO_V3', codeSpace: 'IGNF' })).toEqual(identifierKeys({ code: 'BDTOPO_V3', codeSpace: ' ignf ' }));
    expect(identifierKeys({ code: 'HTTPS://GeoBretagne.FR:443/Data/1' })).toEqual(['https://geobretagne.fr/Data/1']);
    // The same identifier written as codeSpace + code, and as one URI.
    expect(identifierKeys({ code: 'Data/1', codeSpace: 'https://GeoBretagne.fr/' })).toEqual(['https://geobretagne.fr/Data/1']);
    expect(identifierKeys({ code: 'URN:OGC:def:crs:EPSG::2154' })).toEqual(['urn:ogc:def:crs:EPSG::2154']);
  });

  it('drops bare codes too short to identify a resource across producers', () => {
    expect(identifierKeys({ code: 'BDTOPO' })).toEqual([]);
    expect(identifierKeys({ code: '  ' })).toEqual([]);
    expect(identifierKeys({ code: 'BDTOPO', codeSpace: 'IGNF' })).toEqual(['ignf/BDTOPO']);
  });
});

describe.each(backends)('records of one resource from several sources on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  const folders: string[] = [];

  afterEach(async () => {
    for (const f of folders.splice(0)) await rm(f, { recursive: true, force: true });
  });

  /** A directory source holding copies of these shared fixtures (name -> edit of the text, or null). */
  async function source(id: string, files: Record<string, ((xml: string) => string) | null>, options = {}): Promise<SourceDef> {
    const folder = await mkdtemp(path.join(tmpdir(), `moisson-identity-${id}-`));
    folders.push(folder);
    for (const [file, edit] of Object.entries(files)) {
      if (edit) await writeFile(path.join(folder, file), edit(await readFile(path.join(ISO, file), 'utf8')));
      else await copyFile(path.join(ISO, file), path.join(folder, file));
    }
    const def: SourceDef = { id, type: 'directory', url: folder, enabled: true, options };
    await putSource(store.db, def);
    return def;
  }
  const harvest = async (def: SourceDef, at: string) => {
    const report = await runHarvest(store.db, def, { now: () => new Date(at) });
    expect(report.counts.failed).toBe(0);
    return report;
  };
  const BANO = '9ffb161b-d8d8-4ec4-bde5-a03104300df8';
  const RENNES = 'aaff85f2-3529-4a0e-a263-95ad355acbc3';
  const restamp = (date: string) => (xml: string) => xml.replace('2017-10-27T09:15:21', date);

  it('groups the same record from two sources and prefers the source with the higher priority', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    await harvest(region, '2025-03-01T10:00:00Z');
    await harvest(national, '2025-03-02T10:00:00Z');
    const a = recordId('geobretagne', BANO);
    const b = recordId('datagouv', BANO);
    const group = await resourceGroup(store.db, a);
    expect(group).toEqual({ preferred: b, members: [
      { id: b, sourceId: 'datagouv', nativeId: BANO }, { id: a, sourceId: 'geobretagne', nativeId: BANO }] });
    expect(await resourceGroup(store.db, b)).toEqual(group);
    expect(await resourceGroup(store.db, recordId('geobretagne', RENNES))).toMatchObject({ members: [{ nativeId: RENNES }] });

    const json = (await recordResponse(store.db, a, 'json', 'http://hub')).body as Record<string, unknown>;
    expect(json).toMatchObject({ id: a, preferred: b, alsoFrom: [{ id: b, source: 'datagouv' }] });
    const alone = (await recordResponse(store.db, recordId('geobretagne', RENNES), 'json', 'http://hub')).body;
    expect(alone).toMatchObject({ preferred: recordId('geobretagne', RENNES), alsoFrom: [] });
  });

  it('lists each resource once with every source it comes from (GET /records?distinct=true)', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    await harvest(region, '2025-03-01T10:00:00Z');
    await harvest(national, '2025-03-02T10:00:00Z');
    const res = await listRecordsResponse(store.db, { distinct: 'true' }, 'http://hub');
    const body = res.body as { total: number; records: { id: string; source: string; sources: string[] }[] };
    expect(body.total).toBe(2);
    expect(body.records).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: recordId('datagouv', BANO), source: 'datagouv', sources: ['datagouv', 'geobretagne'] }),
      expect.objectContaining({ id: recordId('geobretagne', RENNES), sources: ['geobretagne'] }),
    ]));
    expect(((await listRecordsResponse(store.db, {}, 'http://hub')).body as { total: number }).total).toBe(3);
    expect((await listDistinct(store.db, { sourceId: 'geobretagne', limit: 10, offset: 0 })).rows.map((r) => r.id))
      .toEqual([recordId('geobretagne', RENNES)]);
  });

  it('without priorities, prefers the latest metadata date, then the earliest first seen, then the smallest id', async () => {
    const older = await source('older', { 'geobretagne-bano.xml': null });
    const newer = await source('newer', { 'geobretagne-bano.xml': restamp('2019-01-01T00:00:00') });
    const twin = await source('twin', { 'geobretagne-bano.xml': null });
    await harvest(older, '2025-03-01T10:00:00Z');
    await harvest(twin, '2025-03-02T10:00:00Z');
    await harvest(newer, '2025-03-03T10:00:00Z');
    const group = await resourceGroup(store.db, recordId('older', BANO));
    expect(group!.members.map((m) => m.sourceId)).toEqual(['newer', 'older', 'twin']);
    expect((await listDistinct(store.db, { limit: 10, offset: 0 })).rows.map((r) => r.id)).toEqual([recordId('newer', BANO)]);

    // Same date, same first_seen: the smallest record id wins, in the group and in the listing alike.
    await store.db.query(`UPDATE records SET first_seen = '2025-03-01T10:00:00Z', record = jsonb_set(record, '{metadataDate}', '"2017-10-27T09:15:21"')`);
    const smallest = [recordId('older', BANO), recordId('newer', BANO), recordId('twin', BANO)].sort()[0];
    expect((await resourceGroup(store.db, smallest))!.preferred).toBe(smallest);
    expect((await listDistinct(store.db, { limit: 10, offset: 0 })).rows.map((r) => r.id)).toEqual([smallest]);
  });

  it('leaves withdrawn records out of every group', async () => {
    const a = await source('a', { 'geobretagne-bano.xml': null });
    const b = await source('b', { 'geobretagne-bano.xml': null }, { priority: 1 });
    await harvest(a, '2025-03-01T10:00:00Z');
    await harvest(b, '2025-03-01T11:00:00Z');
    await withdrawRecords(store.db, 'b', [BANO], { seenBefore: new Date('2025-03-02T00:00:00Z') });
    expect(await resourceGroup(store.db, recordId('a', BANO))).toEqual({
      preferred: recordId('a', BANO), members: [{ id: recordId('a', BANO), sourceId: 'a', nativeId: BANO }] });
    expect(await resourceGroup(store.db, recordId('b', BANO))).toBeNull();
    expect((await listDistinct(store.db, { limit: 10, offset: 0 })).rows.map((r) => r.id)).toEqual([recordId('a', BANO)]);
  });

  it('writes the keys with the record, changes them with it, and writes nothing for an unchanged document', async () => {
    const a = await source('a', { 'geobretagne-bano.xml': null });
    await harvest(a, '2025-03-01T10:00:00Z');
    const id = recordId('a', BANO);
    expect(await getIdentityKeys(store.db, id)).toEqual(['code:fr-openstreetmap-bano-bretagne']);
    const count = async () => Number((await store.db.query<{ n: number }>('SELECT count(*) AS n FROM record_identity')).rows[0].n);
    const again = await harvest(a, '2025-03-02T10:00:00Z');
    expect(again.counts.unchanged).toBe(1);
    expect(await count()).toBe(1);

    const file = path.join(a.url, 'geobretagne-bano.xml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('fr-openstreetmap-bano-bretagne', 'FR-OSM-BANO-BZH-2017'));
    expect((await harvest(a, '2025-03-03T10:00:00Z')).counts.changed).toBe(1);
    expect(await getIdentityKeys(store.db, id)).toEqual(['code:FR-OSM-BANO-BZH-2017']);

    await store.db.query('DELETE FROM record_identity');
    expect(await rebuildIdentity(store.db)).toBe(1);
    expect(await getIdentityKeys(store.db, id)).toEqual(['code:FR-OSM-BANO-BZH-2017']);
  });
});
