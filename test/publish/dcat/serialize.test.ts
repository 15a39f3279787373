/**
 * The four serialisations of DCAT pages read back as the same graph: every ISO fixture of ../shared/fixtures
 * written with the DCAT writer, plus literals and IRIs chosen to break naive writers (quotes, markup, line ends,
 * language tags, datatypes, non-ASCII), serialised and parsed again by the RDF readers the hub already uses (n3,
 * rdfxml-streaming-parser behind the safe XML layer, jsonld.js) and by Python rdflib (what udata parses with);
 * graphs are compared as canonical N-Quads (RDFC-1.0), so blank-node labels do not matter.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataFactory, type Quad } from 'n3';
import { canonize } from 'rdf-canonize';
import { describe, expect, it } from 'vitest';
import { readIso19139 } from '../../../mappings/iso19139/read.ts';
import { parseRdf } from '../../../mappings/dcat-ap/rdf.ts';
import { datasetQuads } from '../../../mappings/dcat-ap/write.ts';
import { DCAT_FORMATS, normaliseQuads, serializeQuads, type DcatFormat } from '../../../src/publish/dcat/serialize.ts';
import { toRdfXml } from '../../../src/publish/dcat/rdfxml.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';

const { namedNode, blankNode, literal, quad } = DataFactory;
const BASE = 'https://hub.example.org';
const FORMATS: DcatFormat[] = ['rdf-xml', 'turtle', 'n-triples', 'json-ld'];

async function canonical(quads: Quad[]): Promise<string> {
  return canonize(quads, { algorithm: 'RDFC-1.0', format: 'application/n-quads', maxWorkFactor: 2 });
}

/** Every ISO fixture of the shared folder, written as DCAT. */
function fixtureQuads(): Quad[] {
  const dir = path.join(sharedFixtures, 'iso19139');
  return readdirSync(dir).filter((f) => f.endsWith('.xml')).flatMap((f) => {
    const { record } = readIso19139(readFileSync(path.join(dir, f)));
    return datasetQuads(record, { baseUrl: BASE, recordId: f, identifier: record.identifier ?? f, changed: new Date('2024-01-01T00:00:00Z'),
      members: [{ recordId: f, sourceId: 'fixtures' }] });
  });
}

/** Literals and terms a careless serialiser gets wrong. */
function trickyQuads(): Quad[] {
  const s = namedNode(`${BASE}/records/x#resource`);
  const p = (local: string) => namedNode(`http://purl.org/dc/terms/${local}`);
  const b = blankNode('weird-label.1');
  return [
    quad(s, p('title'), literal('Quotes " \' and <markup> & entities &amp; ]]>', 'fr')),
    quad(s, p('description'), literal('Line\nbreaks\r\nand\ttabs, trailing space ', 'en-GB')),
    quad(s, p('alternative'), literal('Ünïcödé — 日本語 😀')),
    quad(s, p('issued'), literal('2020-01-01', namedNode('http://www.w3.org/2001/XMLSchema#date'))),
    quad(s, p('extent'), literal('42', namedNode('http://www.w3.org/2001/XMLSchema#integer'))),
    quad(s, p('relation'), namedNode('https://example.org/a?b=1&c=%20d#frag')),
    quad(s, p('hasPart'), b),
    quad(b, p('title'), literal('')),
    quad(s, namedNode('http://example.org/vocab/1-starts-with-digit/name'), literal('predicate with a generated prefix')),
  ];
}

const input = [...fixtureQuads(), ...trickyQuads()];

describe('DCAT serialisations', () => {
  it.each(FORMATS)('writes %s that reads back as the same graph', async (format) => {
    const text = await serializeQuads(input, format);
    const back = await parseRdf(Buffer.from(text), format, `${BASE}/catalog`);
    expect(await canonical(back)).toBe(await canonical(normaliseQuads(input)));
  });

  it('writes each triple once, whatever the input repeats', async () => {
    const nt = await serializeQuads([...trickyQuads(), ...trickyQuads()], 'n-triples');
    expect(nt.trim().split('\n')).toHaveLength(trickyQuads().length);
  });

  it('writes flat RDF/XML: one rdf:Description per subject, only the namespaces it uses', () => {
    const xml = toRdfXml(normaliseQuads(trickyQuads()), { dct: 'http://purl.org/dc/terms/', dcat: 'http://www.w3.org/ns/dcat#' });
    expect(xml.match(/<rdf:Description /g)).toHaveLength(2);
    expect(xml).toContain('xmlns:dct="http://purl.org/dc/terms/"');
    expect(xml).not.toContain('xmlns:dcat=');
    expect(xml).toContain('<ns2:name>predicate with a generated prefix</ns2:name>');
    expect(xml).toContain('&#xD;');
  });

  it('declares each format with its media type', () => {
    expect(Object.values(DCAT_FORMATS).map((f) => f.mediaType)).toEqual(['application/rdf+xml', 'text/turtle', 'application/n-triples', 'application/ld+json']);
  });

  it('is read by Python rdflib (what udata parses harvested catalogues with) as the same graph in every format', async () => {
    const probe = (() => {
      try {
        return execFileSync('/usr/bin/python3', ['-c', 'import rdflib; print(rdflib.__version__)'], { encoding: 'utf8' }).trim();
      } catch {
        return null;
      }
    })();
    expect(probe, 'Python rdflib is needed (Debian: apt-get install python3-rdflib)').not.toBeNull();
    const dir = mkdtempSync(path.join(tmpdir(), 'moisson-dcat-rdflib-'));
    try {
      for (const f of FORMATS) writeFileSync(path.join(dir, `page.${DCAT_FORMATS[f].extension}`), await serializeQuads(input, f));
      // rdflib parses each page and writes it back as N-Triples; the graphs are compared here (rdflib's own
      // isomorphism test takes minutes on pages with this many blank nodes). Literal normalisation is off: rdflib
      // would rewrite "…T00:00:00.000Z" as "…T00:00:00+00:00", the same value in another lexical form.
      const script = `
import sys, rdflib
rdflib.NORMALIZE_LITERALS = False
d = sys.argv[1]
for fmt, ext in [("xml", "rdf"), ("turtle", "ttl"), ("nt", "nt"), ("json-ld", "jsonld")]:
    g = rdflib.Graph().parse(f"{d}/page.{ext}", format=fmt)
    g.serialize(destination=f"{d}/rdflib-{ext}.nt", format="nt", encoding="utf-8")
`;
      execFileSync('/usr/bin/python3', ['-c', script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const expected = await canonical(normaliseQuads(input));
      for (const f of FORMATS) {
        const nt = readFileSync(path.join(dir, `rdflib-${DCAT_FORMATS[f].extension}.nt`));
        expect(await canonical(await parseRdf(nt, 'n-triples', BASE)), `rdflib reading ${f}`).toBe(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
