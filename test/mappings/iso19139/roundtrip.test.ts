/**
 * ISO 19139 round trip over the captured documents: read → write → XSD-valid → read again → same record.
 *
 * Inputs: every ../shared/fixtures/iso19139/*.xml (and invalid/), and every gmd:MD_Metadata / gmi:MI_Metadata
 * inside the CSW GetRecords answers of ../shared/fixtures/csw/getrecords-iso/. All written documents are
 * validated in ONE xmllint call against the GeoNetwork ISO 19139:2007 XSD (DESIGN §7: the output validates
 * even when the original did not).
 *
 * The second record must deep-equal the first once the first is put through `keptByWriter`, which lists
 * everything the writer legitimately cannot keep — each line says why. Anything else that differs is a loss.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readIso19139 } from '../../../mappings/iso19139/read.ts';
import { NS_GMD, NS_GMI } from '../../../mappings/iso19139/namespaces.ts';
import { withLicence } from '../../../mappings/iso19139/write-constraints.ts';
import { toXsdDate } from '../../../mappings/iso19139/write-date.ts';
import { uomLexical } from '../../../mappings/iso19139/write-extent.ts';
import { toAnyUri } from '../../../mappings/iso19139/write-uri.ts';
import { topicCategories } from '../../../mappings/iso19139/write-identification.ts';
import { isService } from '../../../mappings/iso19139/write-service.ts';
import { localeLanguages, writeIso19139 } from '../../../mappings/iso19139/write.ts';
import type { MdRecord, SpatialResolution } from '../../../mappings/types.ts';
import { parseXml, serializeElement, type XmlElement } from '../../../mappings/xml/index.ts';
import { formatValidationErrors, sharedFixtures, validateXmlMany, type ValidationResult } from '../../helpers/xmllint.ts';

// ------------------------------------------------------------------------------------------------ inputs

interface Input {
  name: string;
  xml: string | Buffer;
}

function isoFiles(): Input[] {
  const dir = path.join(sharedFixtures, 'iso19139');
  const names = [
    ...readdirSync(dir).filter((f) => f.endsWith('.xml')),
    ...readdirSync(path.join(dir, 'invalid')).filter((f) => f.endsWith('.xml')).map((f) => `invalid/${f}`),
  ].sort();
  return names.map((name) => ({ name: `iso19139/${name}`, xml: readFileSync(path.join(dir, name)) }));
}

/** Each ISO record of each CSW GetRecords answer, written out as a standalone document. */
function cswRecords(): Input[] {
  const dir = path.join(sharedFixtures, 'csw', 'getrecords-iso');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .flatMap((file) =>
      isoRecordElements(parseXml(readFileSync(path.join(dir, file))).root).map((el, i) => ({
        name: `csw/${file}#${i + 1}`,
        xml: serializeElement(el),
      })),
    );
}

function isoRecordElements(el: XmlElement): XmlElement[] {
  const isRecord =
    (el.uri === NS_GMD && el.local === 'MD_Metadata') || (el.uri === NS_GMI && el.local === 'MI_Metadata');
  if (isRecord) return [el];
  return el.children.flatMap((c) => (typeof c === 'string' ? [] : isoRecordElements(c)));
}

// ---------------------------------------------------------------------------- what the writer cannot keep

/** A record date as the writer can write it: its xs:date / xs:dateTime form, or nothing. */
const xsdDate = (d: string | undefined): string | undefined => (d === undefined ? undefined : toXsdDate(d)?.lexical);

/**
 * The first record as the writer can keep it. Everything here is a constraint of ISO 19139 or of the XSD,
 * not a choice of the writer:
 */
function keptByWriter(rec: MdRecord): MdRecord {
  const r: MdRecord = structuredClone(rec);
  // Provenance is set by the harvest orchestrator and is not metadata: it is never written.
  delete r.provenance;
  datesAsWritten(r);
  // MD_TopicCategoryCode is an XSD enumeration: only its values (case-corrected) can be written.
  r.topicCategories = topicCategories(r.topicCategories);
  // MD_Resolution is a choice (scale or distance); gco:Integer denominators; gco:Distance needs a gml uom.
  r.spatialResolutions = r.spatialResolutions.flatMap(resolutionsAsWritten);
  // SV_ServiceIdentification has no language, character set, topic category, representation or resolution.
  if (isService(r)) {
    Object.assign(r, { resourceLanguages: [], topicCategories: [], spatialRepresentationTypes: [], spatialResolutions: [] });
    delete r.resourceCharacterSet;
  }
  // Only MD_LegalConstraints has restriction codes and otherConstraints; only MD_SecurityConstraints a
  // classification. A recognised licence whose URL no otherConstraints carries is added as an anchor.
  r.constraints = withLicence(r.constraints, r.licence).map((c) => ({
    ...c,
    ...(c.kind === 'legal' ? {} : { accessConstraints: [], useConstraints: [], otherConstraints: [] }),
  }));
  for (const c of r.constraints) if (c.kind !== 'security') delete c.classification;
  // MD_Keywords needs a keyword: a group with neither keyword nor thesaurus is not written.
  r.keywords = r.keywords.filter((g) => g.keywords.length > 0 || g.thesaurus !== undefined);
  // xs:anyURI values (gmd:URL, xlink:href) are percent-encoded where libxml2 would reject them ("[uid]",
  // an empty port "host:/", a stray '%').
  encodeUris(r);
  // Every language a translation uses is declared as a PT_Locale (LocalisedCharacterString/@locale → #id).
  r.locales = localeLanguages(r);
  return r;
}

/**
 * Dates are written in their xs:date / xs:dateTime lexical form ("+0200" → "+02:00", seconds added); a value
 * the schema cannot hold (2021-02-30) becomes gco:nilReason="unknown" and is not read back. In place.
 */
function datesAsWritten(r: MdRecord): void {
  setOrDelete(r, 'metadataDate', xsdDate(r.metadataDate));
  r.dates = r.dates.flatMap((d) => (xsdDate(d.date) ? [{ ...d, date: xsdDate(d.date)! }] : []));
  for (const g of r.keywords) if (g.thesaurus) setOrDelete(g.thesaurus, 'date', xsdDate(g.thesaurus.date));
  for (const c of r.conformity) setOrDelete(c.specification, 'date', xsdDate(c.specification.date));
  r.temporalExtents = r.temporalExtents.map((t) => {
    const out = { ...t, start: xsdDate(t.start ?? undefined) ?? null, end: xsdDate(t.end ?? undefined) ?? null };
    // gml:endPosition needs a value or an indeterminatePosition: an open end is written "unknown".
    if (out.end === null && out.endIndeterminate === undefined) out.endIndeterminate = 'unknown';
    return out;
  });
}

/** Applies toAnyUri to every `href`, `url` and `urls` of the record, in place. */
function encodeUris(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(encodeUris);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(obj)) {
    if ((key === 'href' || key === 'url') && typeof v === 'string') obj[key] = toAnyUri(v);
    else if (key === 'urls' && Array.isArray(v)) obj[key] = v.map((u) => (typeof u === 'string' ? toAnyUri(u) : u));
    else encodeUris(v);
  }
}

function resolutionsAsWritten(s: SpatialResolution): SpatialResolution[] {
  const out: SpatialResolution[] = [];
  if (s.scaleDenominator !== undefined && s.scaleDenominator > 0) out.push({ scaleDenominator: Math.round(s.scaleDenominator) });
  if (s.distance !== undefined) out.push({ distance: s.distance, uom: s.uom ? uomLexical(s.uom) : 'm' });
  return out;
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

// ------------------------------------------------------------------------------------------------- run

interface Trip {
  name: string;
  first: MdRecord;
  written: string;
  second?: MdRecord;
  secondError?: unknown;
}

const inputs: Input[] = [...isoFiles(), ...cswRecords()];
const trips: Trip[] = inputs.map(({ name, xml }) => {
  const first = readIso19139(xml).record;
  const written = writeIso19139(first, { pretty: true });
  try {
    return { name, first, written, second: readIso19139(written).record };
  } catch (secondError) {
    return { name, first, written, secondError };
  }
});
let verdicts: Map<string, ValidationResult>;

beforeAll(async () => {
  const results = await validateXmlMany(trips.map((t) => ({ name: t.name, xml: t.written })));
  verdicts = new Map(results.map((r) => [r.name, r]));
}, 120_000);

describe('ISO 19139 round trip (read → write → read)', () => {
  it('covers every fixture file and every ISO record of the CSW answers', () => {
    expect(inputs.filter((i) => i.name.startsWith('iso19139/')).length).toBeGreaterThanOrEqual(28);
    expect(inputs.filter((i) => i.name.startsWith('csw/')).length).toBeGreaterThanOrEqual(10);
  });

  describe.each(trips.map((t) => [t.name, t] as const))('%s', (_name, trip) => {
    it('is written as ISO 19139 that validates against the XSD', () => {
      const v = verdicts.get(trip.name)!;
      expect(v.valid, formatValidationErrors([v])).toBe(true);
    });

    it('reads back as the same record, minus what ISO 19139 cannot hold', () => {
      expect(trip.secondError).toBeUndefined();
      expect(trip.second).toEqual(keptByWriter(trip.first));
    });

    it('is a fixed point: writing the re-read record gives the same bytes', () => {
      expect(writeIso19139(trip.second!, { pretty: true })).toBe(trip.written);
    });
  });
});
