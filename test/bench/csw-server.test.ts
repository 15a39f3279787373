/**
 * The bench CSW server (bench/lib/csw-server.ts) builds its pages from templates cut once into byte pieces: the
 * records must be exactly those the string form gives (cloned fixture records with a new fileIdentifier and
 * dateStamp), and the pages well-formed CSW answers that the hub's harvester reads record for record.
 */
import { describe, expect, it } from 'vitest';
import { cutTemplates, loadTemplates, record, recordBytes, startBenchCsw } from '../../bench/lib/csw-server.ts';
import { createCswHarvester } from '../../harvesters/csw/index.ts';
import { collect, context, cswSource } from '../harvesters/csw/csw-server.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const fixtures = sharedFixtures;

describe('bench CSW server', () => {
  it('gives every template the same record bytes as the string form', () => {
    const templates = loadTemplates(fixtures);
    expect(templates.length).toBeGreaterThan(5);
    const cuts = cutTemplates(templates);
    expect(cuts.every((c) => c !== undefined)).toBe(true);
    const modified = new Date('2026-11-01T10:20:30.456Z');
    for (let i = 1; i <= templates.length * 2; i++) {
      const expected = record(templates, i, modified);
      expect(expected).toContain(`bench-${String(i).padStart(6, '0')}`);
      expect(expected).toMatch(/DateTime[^>]*>2026-11-01T10:20:30Z</);
      expect(recordBytes(templates, cuts, i, modified).toString()).toBe(expected);
    }
  });

  it('serves pages the harvester reads, every record once, with the matched count', async () => {
    const server = await startBenchCsw(fixtures, 25);
    try {
      const docs = await collect(createCswHarvester().harvest(cswSource(server.url, { pageSize: 10 }), context()));
      expect(docs.map((d) => d.nativeId)).toEqual(Array.from({ length: 25 }, (_, i) => `bench-${String(i + 1).padStart(6, '0')}`));
      // GetCapabilities, then pages at 1, 11, 21.
      expect(server.requests).toBe(4);
    } finally {
      await server.close();
    }
  });
});
