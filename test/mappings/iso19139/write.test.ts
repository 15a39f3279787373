/**
 * writeIso19139: hand-built records → ISO 19139 that validates against the GeoNetwork ISO 19139:2007 XSD
 * (../shared/fixtures/schemas/iso19139-2007-geonetwork/schema.xsd), with the fields that matter asserted
 * on the parsed output (namespace-aware: prefixes are not trusted).
 *
 * Every written document is validated in one xmllint call (beforeAll): loading the schemas dominates.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MdRecord } from '../../../mappings/types.ts';
import {
  emptyRecord, INSPIRE_THEMES, NASTY, NASTY_CLEAN, randomRecord, richDataset, serviceRecord, weirdUriRecord,
} from './write-records.ts';
import { NS_GCO, NS_GMD, NS_GML32, NS_GMX, NS_SRV, NS_XLINK, NS_XSI } from '../../../mappings/iso19139/namespaces.ts';
import { toXsdDate } from '../../../mappings/iso19139/write-date.ts';
import { writeIso19139 } from '../../../mappings/iso19139/write.ts';
import { attribute, elements, inScopeNamespaces, parseXml, select, textOf, type Step, type XmlElement } from '../../../mappings/xml/index.ts';
import { formatValidationErrors, validateXml, validateXmlMany, type ValidationResult } from '../../helpers/xmllint.ts';

// ------------------------------------------------------------------------------------------ xml helpers

const PREFIX: Record<string, string> = { gmd: NS_GMD, gco: NS_GCO, gmx: NS_GMX, srv: NS_SRV, gml: NS_GML32, xlink: NS_XLINK, xsi: NS_XSI };

/**
 * Parsed with the project's namespace-aware XML layer (saxes underneath). xmlbuilder2's own parser is not
 * used here: it decodes character references twice ("&amp;#65;" comes back as "A").
 */
function parse(xml: string): XmlElement {
  return parseXml(xml).root;
}

function qname(name: string): Step {
  const [p, local] = name.split(':');
  return [PREFIX[p], local];
}

/** Elements reached by child steps ("gmd:a/gmd:b"), namespace-resolved. */
function path(el: XmlElement, steps: string): XmlElement[] {
  return select(el, ...steps.split('/').map(qname));
}

const one = (el: XmlElement, steps: string): XmlElement => {
  const found = path(el, steps);
  expect(found, steps).toHaveLength(1);
  return found[0];
};
const texts = (el: XmlElement, steps: string): string[] => path(el, steps).map((e) => textOf(e));
const att = (el: XmlElement, name: string): string | undefined => {
  const [ns, local] = name.includes(':') ? qname(name) : ['', name];
  return attribute(el, ns as string, local);
};
const childNames = (el: XmlElement): string[] => elements(el).map((c) => `${c.prefix}:${c.local}`);

const DI = 'gmd:identificationInfo/gmd:MD_DataIdentification';
const SI = 'gmd:identificationInfo/srv:SV_ServiceIdentification';
const CIT = `${DI}/gmd:citation/gmd:CI_Citation`;

// --------------------------------------------------------------------------------------------- fixtures

const written: Record<string, string> = {
  minimal: writeIso19139(emptyRecord(), { pretty: true }),
  rich: writeIso19139(richDataset(), { pretty: true }),
  richCompact: writeIso19139(richDataset()),
  service: writeIso19139(serviceRecord(), { pretty: true }),
  serviceEmpty: writeIso19139(emptyRecord({ hierarchyLevel: 'service' }), { pretty: true }),
  nasty: writeIso19139(emptyRecord({
    identifier: NASTY, title: NASTY, abstract: NASTY, translations: { title: { eng: NASTY } },
    keywords: [{ keywords: [{ text: NASTY, href: `https://example.org/?a=1&b=<2>${'\u0002'}` }] }],
    onlineResources: [{ url: 'https://example.org/?a=1&b=2', name: NASTY }],
  }), { pretty: true }),
  oddDates: writeIso19139(emptyRecord({
    metadataDate: '2015-12-21 10:00',
    dates: [{ date: '2021-02-30', type: 'creation' }, { date: '2020-02-29T08:00:00.123Z', type: 'revision' }, { date: '', type: '' }],
    temporalExtents: [{ start: 'not a date', end: '1999', endIndeterminate: 'someday' }],
    spatialResolutions: [{ distance: 10, uom: 'meters (m)' }, { distance: 2 }],
    keywords: [{ keywords: [], thesaurus: { title: 'Empty thesaurus group' } }, { keywords: [] }],
  }), { pretty: true }),
  weirdUris: writeIso19139(weirdUriRecord(), { pretty: true }),
  ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`random-${i + 1}`, writeIso19139(randomRecord(i + 1), { pretty: true })])),
};

let verdicts: Record<string, ValidationResult>;

beforeAll(async () => {
  const names = Object.keys(written);
  const results = await validateXmlMany(names.map((name) => ({ name, xml: written[name] })));
  verdicts = Object.fromEntries(results.map((r) => [r.name, r]));
}, 60_000);

function expectValid(name: string): void {
  const v = verdicts[name];
  expect(v.valid, formatValidationErrors([v])).toBe(true);
}

// ---------------------------------------------------------------------------------------------- tests

describe('writeIso19139 — schema validity', () => {
  it.each(Object.keys(written))('%s record validates against the ISO 19139 XSD', (name) => expectValid(name));

  it('the validator rejects a document whose elements are out of XSD order (the check can fail)', async () => {
    const swapped = written.rich.replace(/(<gmd:dateStamp>[\s\S]*?<\/gmd:dateStamp>)/, '').replace(
      '<gmd:contact>',
      `${/<gmd:dateStamp>[\s\S]*?<\/gmd:dateStamp>/.exec(written.rich)![0]}<gmd:contact>`,
    );
    const [result] = await validateXmlMany([{ name: 'swapped', xml: swapped }]);
    expect(result.valid).toBe(false);
    expect(result.errors[0].line).toBeGreaterThan(0);
    expect(result.errors[0].message).toMatch(/dateStamp|contact/);
  }, 30_000);
});

describe('xmllint helper', () => {
  it('says clearly when xmllint is not installed', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(validateXml('<a/>')).rejects.toThrow(/xmllint is not installed/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('reports a document that is not well-formed with its line', async () => {
    const [result] = await validateXmlMany([{ name: 'broken', xml: '<?xml version="1.0"?>\n<a>\n<b></a>' }]);
    expect(result.valid).toBe(false);
    expect(result.errors[0].line).toBe(3);
  }, 30_000);
});

describe('writeIso19139 — incomplete records', () => {
  it('writes mandatory elements with gco:nilReason when the record has no value', () => {
    const md = parse(written.minimal);
    expect(md.uri).toBe(NS_GMD);
    expect(md.local).toBe('MD_Metadata');
    expect(path(md, 'gmd:fileIdentifier')).toHaveLength(0);
    for (const p of ['gmd:contact', 'gmd:dateStamp', 'gmd:language', `${CIT}/gmd:title`, `${CIT}/gmd:date`, `${DI}/gmd:abstract`, `${DI}/gmd:language`]) {
      expect(att(one(md, p), 'gco:nilReason'), p).toBe('missing');
    }
    expect(path(md, 'gmd:distributionInfo')).toHaveLength(0);
    expect(path(md, 'gmd:dataQualityInfo')).toHaveLength(0);
  });

  it('declares GML 3.2 and the apiso schema location', () => {
    const md = parse(written.minimal);
    expect(inScopeNamespaces(md).get('gml')).toBe(NS_GML32);
    expect(att(md, 'xsi:schemaLocation')).toBe(
      'http://www.isotc211.org/2005/gmd http://schemas.opengis.net/csw/2.0.2/profiles/apiso/1.0.0/apiso.xsd',
    );
  });

  it('writes a service record without service details with nil serviceType, couplingType, containsOperations', () => {
    const si = one(parse(written.serviceEmpty), SI);
    for (const p of ['srv:serviceType', 'srv:couplingType', 'srv:containsOperations']) {
      expect(att(one(si, p), 'gco:nilReason'), p).toBe('missing');
    }
  });
});

describe('writeIso19139 — metadata section of a rich dataset', () => {
  const md = parse(written.rich);

  it('writes the MD_Metadata children in XSD order', () => {
    expect(childNames(md)).toEqual([
      'gmd:fileIdentifier', 'gmd:language', 'gmd:characterSet', 'gmd:parentIdentifier', 'gmd:hierarchyLevel',
      'gmd:hierarchyLevelName', 'gmd:contact', 'gmd:dateStamp', 'gmd:metadataStandardName',
      'gmd:metadataStandardVersion', 'gmd:locale', 'gmd:referenceSystemInfo', 'gmd:identificationInfo',
      'gmd:distributionInfo', 'gmd:dataQualityInfo',
    ]);
  });

  it('writes identifiers, language code list, character set, scope and date stamp', () => {
    expect(texts(md, 'gmd:fileIdentifier/gco:CharacterString')).toEqual(['fr-200046977-rpg-2023']);
    expect(texts(md, 'gmd:parentIdentifier/gco:CharacterString')).toEqual(['fr-200046977-rpg']);
    const lang = one(md, 'gmd:language/gmd:LanguageCode');
    expect([att(lang, 'codeList'), att(lang, 'codeListValue')]).toEqual(['http://www.loc.gov/standards/iso639-2/', 'fre']);
    const scope = one(md, 'gmd:hierarchyLevel/gmd:MD_ScopeCode');
    expect(att(scope, 'codeList')).toBe('http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_ScopeCode');
    expect(att(scope, 'codeListValue')).toBe('dataset');
    expect(att(one(md, 'gmd:characterSet/gmd:MD_CharacterSetCode'), 'codeListValue')).toBe('utf8');
    expect(texts(md, 'gmd:dateStamp/gco:DateTime')).toEqual(['2024-03-05T10:12:00+01:00']);
    expect(texts(md, 'gmd:metadataStandardVersion/gco:CharacterString')).toEqual(['2003/Cor 1:2006']);
  });

  it('writes the metadata contact with phone, address, e-mails, online resource and role', () => {
    const rp = one(md, 'gmd:contact/gmd:CI_ResponsibleParty');
    expect(childNames(rp)).toEqual(['gmd:individualName', 'gmd:organisationName', 'gmd:positionName', 'gmd:contactInfo', 'gmd:role']);
    const c = one(rp, 'gmd:contactInfo/gmd:CI_Contact');
    expect(texts(c, 'gmd:phone/gmd:CI_Telephone/gmd:voice/gco:CharacterString')).toEqual(['+33 2 99 00 00 00']);
    const addr = one(c, 'gmd:address/gmd:CI_Address');
    expect(texts(addr, 'gmd:deliveryPoint/gco:CharacterString')).toEqual(['283 avenue du Général Patton', 'CS 21101']);
    expect(texts(addr, 'gmd:electronicMailAddress/gco:CharacterString')).toEqual(['sig@bretagne.bzh']);
    expect(texts(c, 'gmd:onlineResource/gmd:CI_OnlineResource/gmd:linkage/gmd:URL')).toEqual(['https://www.bretagne.bzh/']);
    expect(att(one(rp, 'gmd:role/gmd:CI_RoleCode'), 'codeListValue')).toBe('pointOfContact');
    const org = one(rp, 'gmd:organisationName');
    expect(att(org, 'xsi:type')).toBe('gmd:PT_FreeText_PropertyType');
    expect(texts(org, 'gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString')).toEqual(['Brittany Region']);
  });

  it('declares a PT_Locale per locale and points translations at it', () => {
    const locale = one(md, 'gmd:locale/gmd:PT_Locale');
    expect(att(one(locale, 'gmd:languageCode/gmd:LanguageCode'), 'codeListValue')).toBe('eng');
    expect(att(one(locale, 'gmd:characterEncoding/gmd:MD_CharacterSetCode'), 'codeListValue')).toBe('utf8');
    const title = one(md, `${CIT}/gmd:title`);
    expect(texts(title, 'gco:CharacterString')).toEqual(['Registre parcellaire graphique 2023']);
    const lcs = one(title, 'gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString');
    expect(textOf(lcs)).toBe('Land parcel identification system 2023');
    expect(att(lcs, 'locale')).toBe(`#${att(locale, 'id')}`);
  });

  it('writes reference systems as RS_Identifier with an anchored code', () => {
    const id = one(md, 'gmd:referenceSystemInfo/gmd:MD_ReferenceSystem/gmd:referenceSystemIdentifier/gmd:RS_Identifier');
    const anchor = one(id, 'gmd:code/gmx:Anchor');
    expect([textOf(anchor), att(anchor, 'xlink:href')]).toEqual(['EPSG:2154', 'http://www.opengis.net/def/crs/EPSG/0/2154']);
    expect(texts(id, 'gmd:codeSpace/gco:CharacterString')).toEqual(['EPSG']);
  });
});

describe('writeIso19139 — identification of a rich dataset', () => {
  const md = parse(written.rich);
  const di = one(md, DI);

  it('writes MD_DataIdentification children in XSD order', () => {
    expect([...new Set(childNames(di))]).toEqual([
      'gmd:citation', 'gmd:abstract', 'gmd:purpose', 'gmd:status', 'gmd:pointOfContact', 'gmd:graphicOverview',
      'gmd:descriptiveKeywords', 'gmd:resourceConstraints', 'gmd:spatialRepresentationType',
      'gmd:spatialResolution', 'gmd:language', 'gmd:characterSet', 'gmd:topicCategory', 'gmd:extent',
    ]);
  });

  it('writes citation dates in the gco type their precision allows, edition and identifiers', () => {
    const cit = one(md, CIT);
    expect(texts(cit, 'gmd:alternateTitle/gco:CharacterString')).toEqual(['RPG 2023']);
    expect(texts(cit, 'gmd:date/gmd:CI_Date/gmd:date/gco:Date')).toEqual(['2023', '2024-01', '2024-02-15']);
    expect(path(cit, 'gmd:date/gmd:CI_Date/gmd:dateType/gmd:CI_DateTypeCode').map((e) => att(e, 'codeListValue')))
      .toEqual(['creation', 'publication', 'revision']);
    expect(texts(cit, 'gmd:edition/gco:CharacterString')).toEqual(['3.0']);
    const anchor = one(cit, 'gmd:identifier/gmd:MD_Identifier/gmd:code/gmx:Anchor');
    expect(att(anchor, 'xlink:href')).toBe('https://data.geopf.fr/id/RPG_2023');
    const rs = one(cit, 'gmd:identifier/gmd:RS_Identifier');
    expect(texts(rs, 'gmd:code/gco:CharacterString')).toEqual(['RPG_2023']);
    expect(texts(rs, 'gmd:codeSpace/gco:CharacterString')).toEqual(['IGNF']);
  });

  it('writes abstract and purpose with translations, status and points of contact', () => {
    expect(texts(di, 'gmd:abstract/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString')).toEqual(['Crop islands declared under the CAP.']);
    expect(texts(di, 'gmd:purpose/gco:CharacterString')).toEqual(['Suivi des aides agricoles.']);
    expect(att(one(di, 'gmd:status/gmd:MD_ProgressCode'), 'codeListValue')).toBe('completed');
    expect(path(di, 'gmd:pointOfContact/gmd:CI_ResponsibleParty/gmd:role/gmd:CI_RoleCode').map((e) => att(e, 'codeListValue')))
      .toEqual(['owner', 'distributor']);
    expect(texts(di, 'gmd:graphicOverview/gmd:MD_BrowseGraphic/gmd:fileName/gco:CharacterString')).toEqual(['https://example.org/rpg.png']);
  });

  it('writes one descriptiveKeywords block per group, anchors, type and thesaurus citation', () => {
    const groups = path(di, 'gmd:descriptiveKeywords/gmd:MD_Keywords');
    expect(groups).toHaveLength(3);
    const kw = one(groups[0], 'gmd:keyword/gmx:Anchor');
    expect([textOf(kw), att(kw, 'xlink:href')]).toEqual(['Parcelles cadastrales', 'http://inspire.ec.europa.eu/theme/cp']);
    expect(texts(groups[0], 'gmd:keyword/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString')).toEqual(['Cadastral parcels']);
    expect(att(one(groups[0], 'gmd:type/gmd:MD_KeywordTypeCode'), 'codeListValue')).toBe('theme');
    const th = one(groups[0], 'gmd:thesaurusName/gmd:CI_Citation');
    expect(att(one(th, 'gmd:title/gmx:Anchor'), 'xlink:href')).toBe(INSPIRE_THEMES);
    expect(texts(th, 'gmd:date/gmd:CI_Date/gmd:date/gco:Date')).toEqual(['2008-06-01']);
    expect(texts(groups[1], 'gmd:keyword/gco:CharacterString')).toEqual(['agriculture', 'PAC']);
    expect(path(groups[1], 'gmd:type')).toHaveLength(0);
    expect(path(groups[2], 'gmd:thesaurusName')).toHaveLength(0);
  });

  it('writes legal, security and basic constraints, and adds the licence as an anchor', () => {
    const blocks = path(di, 'gmd:resourceConstraints').map((e) => elements(e)[0]);
    expect(blocks.map((b) => b.local)).toEqual(['MD_LegalConstraints', 'MD_SecurityConstraints', 'MD_Constraints', 'MD_LegalConstraints']);
    expect(att(one(blocks[0], 'gmd:accessConstraints/gmd:MD_RestrictionCode'), 'codeListValue')).toBe('otherRestrictions');
    expect(att(one(blocks[0], 'gmd:otherConstraints/gmx:Anchor'), 'xlink:href')).toMatch(/noLimitations$/);
    expect(att(one(blocks[1], 'gmd:classification/gmd:MD_ClassificationCode'), 'codeListValue')).toBe('unclassified');
    expect(texts(blocks[2], 'gmd:useLimitation/gco:CharacterString')).toEqual(['Usage libre']);
    const licence = one(blocks[3], 'gmd:otherConstraints/gmx:Anchor');
    expect([textOf(licence), att(licence, 'xlink:href')]).toEqual(['Licence Ouverte 2.0', 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/']);
    expect(att(one(blocks[3], 'gmd:useConstraints/gmd:MD_RestrictionCode'), 'codeListValue')).toBe('otherRestrictions');
  });

  it('writes resolutions, languages, enumerated topic categories only (GM03 sub-categories as their parent), and the extent', () => {
    expect(texts(di, 'gmd:spatialResolution/gmd:MD_Resolution/gmd:equivalentScale/gmd:MD_RepresentativeFraction/gmd:denominator/gco:Integer')).toEqual(['5000']);
    const dist = one(di, 'gmd:spatialResolution/gmd:MD_Resolution/gmd:distance/gco:Distance');
    expect([textOf(dist), att(dist, 'uom')]).toEqual(['0.5', 'm']);
    expect(path(di, 'gmd:language/gmd:LanguageCode').map((e) => att(e, 'codeListValue'))).toEqual(['fre']);
    expect(texts(di, 'gmd:topicCategory/gmd:MD_TopicCategoryCode')).toEqual(['farming', 'planningCadastre']);
    const ex = one(di, 'gmd:extent/gmd:EX_Extent');
    const boxes = path(ex, 'gmd:geographicElement/gmd:EX_GeographicBoundingBox');
    expect(boxes.map((b) => texts(b, 'gmd:westBoundLongitude/gco:Decimal')[0])).toEqual(['-5.14', '0.0000001']);
    expect(texts(ex, 'gmd:geographicElement/gmd:EX_GeographicDescription/gmd:geographicIdentifier/gmd:MD_Identifier/gmd:code/gco:CharacterString')).toEqual(['53']);
  });

  it('writes time periods with unique gml:ids and indeterminate positions', () => {
    const periods = path(di, 'gmd:extent/gmd:EX_Extent/gmd:temporalElement/gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod');
    expect(periods).toHaveLength(2);
    const ids = periods.map((p) => att(p, 'gml:id'));
    expect(new Set(ids).size).toBe(2);
    expect(texts(periods[0], 'gml:beginPosition')).toEqual(['2023-01-01']);
    expect(att(one(periods[0], 'gml:endPosition'), 'indeterminatePosition')).toBe('now');
    expect(att(one(periods[1], 'gml:beginPosition'), 'indeterminatePosition')).toBe('unknown');
    expect(texts(periods[1], 'gml:endPosition')).toEqual(['2023-12-31T23:59:59Z']);
  });
});

describe('writeIso19139 — distribution and data quality', () => {
  const md = parse(written.rich);

  it('writes formats (nil version when unknown) and online resources in one transferOptions', () => {
    const dist = one(md, 'gmd:distributionInfo/gmd:MD_Distribution');
    const formats = path(dist, 'gmd:distributionFormat/gmd:MD_Format');
    expect(formats.map((f) => texts(f, 'gmd:name/gco:CharacterString')[0])).toEqual(['GeoPackage', 'ESRI Shapefile']);
    expect(att(one(formats[1], 'gmd:version'), 'gco:nilReason')).toBe('unknown');
    const links = path(dist, 'gmd:transferOptions/gmd:MD_DigitalTransferOptions/gmd:onLine/gmd:CI_OnlineResource');
    expect(links).toHaveLength(2);
    expect(childNames(links[0])).toEqual(['gmd:linkage', 'gmd:protocol', 'gmd:name', 'gmd:description', 'gmd:function']);
    expect(texts(links[0], 'gmd:linkage/gmd:URL')).toEqual(['https://data.geopf.fr/wms-r?SERVICE=WMS&REQUEST=GetCapabilities']);
    expect(att(one(links[1], 'gmd:function/gmd:CI_OnLineFunctionCode'), 'codeListValue')).toBe('download');
    expect(texts(links[1], 'gmd:applicationProfile/gco:CharacterString')).toEqual(['zip']);
  });

  it('writes one DQ_DomainConsistency per conformity result with pass true, false or nil', () => {
    const dq = one(md, 'gmd:dataQualityInfo/gmd:DQ_DataQuality');
    expect(att(one(dq, 'gmd:scope/gmd:DQ_Scope/gmd:level/gmd:MD_ScopeCode'), 'codeListValue')).toBe('dataset');
    const results = path(dq, 'gmd:report/gmd:DQ_DomainConsistency/gmd:result/gmd:DQ_ConformanceResult');
    expect(results.map((r) => texts(r, 'gmd:pass/gco:Boolean')[0] ?? att(one(r, 'gmd:pass'), 'gco:nilReason'))).toEqual(['true', 'false', 'unknown']);
    expect(att(one(results[0], 'gmd:specification/gmd:CI_Citation/gmd:title/gmx:Anchor'), 'xlink:href')).toBe('http://data.europa.eu/eli/reg/2010/1089');
    expect(texts(results[0], 'gmd:specification/gmd:CI_Citation/gmd:date/gmd:CI_Date/gmd:date/gco:Date')).toEqual(['2010-12-08']);
    expect(att(one(results[1], 'gmd:explanation'), 'gco:nilReason')).toBe('missing');
    expect(att(one(results[1], 'gmd:specification/gmd:CI_Citation/gmd:date'), 'gco:nilReason')).toBe('missing');
    const lineage = one(dq, 'gmd:lineage/gmd:LI_Lineage/gmd:statement');
    expect(texts(lineage, 'gco:CharacterString')).toEqual(['Construit à partir des déclarations des exploitants.']);
    expect(texts(lineage, 'gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString')).toEqual(['Built from farmers declarations.']);
  });
});

describe('writeIso19139 — services', () => {
  const si = one(parse(written.service), SI);

  it('writes SV_ServiceIdentification children in XSD order', () => {
    expect([...new Set(childNames(si))]).toEqual([
      'gmd:citation', 'gmd:abstract', 'srv:serviceType', 'srv:serviceTypeVersion', 'srv:extent',
      'srv:coupledResource', 'srv:couplingType', 'srv:containsOperations', 'srv:operatesOn',
    ]);
  });

  it('writes service type, versions, coupling, operations, operatesOn and coupled resources', () => {
    expect(texts(si, 'srv:serviceType/gco:LocalName')).toEqual(['view']);
    expect(texts(si, 'srv:serviceTypeVersion/gco:CharacterString')).toEqual(['1.3.0']);
    expect(att(one(si, 'srv:couplingType/srv:SV_CouplingType'), 'codeListValue')).toBe('tight');
    const ops = path(si, 'srv:containsOperations/srv:SV_OperationMetadata');
    expect(att(one(ops[0], 'srv:DCP/srv:DCPList'), 'codeListValue')).toBe('WebServices');
    expect(texts(ops[0], 'srv:connectPoint/gmd:CI_OnlineResource/gmd:linkage/gmd:URL')).toEqual([
      'https://data.geopf.fr/wms-r?SERVICE=WMS&REQUEST=GetCapabilities',
    ]);
    expect(att(one(ops[1], 'srv:DCP'), 'gco:nilReason')).toBe('missing');
    expect(att(one(ops[1], 'srv:connectPoint'), 'gco:nilReason')).toBe('missing');
    const on = path(si, 'srv:operatesOn');
    expect([att(on[0], 'uuidref'), att(on[0], 'xlink:href'), att(on[0], 'xlink:title')]).toEqual([
      'fr-200046977-rpg-2023', 'https://example.org/csw?id=fr-200046977-rpg-2023', 'RPG 2023',
    ]);
    expect(att(on[1], 'uuidref')).toBeUndefined();
    const crs = path(si, 'srv:coupledResource/srv:SV_CoupledResource');
    expect(texts(crs[0], 'gco:ScopedName')).toEqual(['RPG.2023']);
    expect(att(one(crs[1], 'srv:operationName'), 'gco:nilReason')).toBe('missing');
    expect(path(si, 'srv:extent/gmd:EX_Extent/gmd:geographicElement/gmd:EX_GeographicBoundingBox')).toHaveLength(1);
  });

  it('uses SV_ServiceIdentification whenever the record carries service details', () => {
    const md = parse(writeIso19139({ ...serviceRecord(), hierarchyLevel: 'dataset' }));
    expect(path(md, SI)).toHaveLength(1);
    expect(path(md, DI)).toHaveLength(0);
  });
});

describe('writeIso19139 — licence', () => {
  const licence = { id: 'odbl-1.0', label: 'ODbL', url: 'https://opendatacommons.org/licenses/odbl/1-0/' };
  const anchorsIn = (rec: MdRecord) =>
    path(parse(writeIso19139(rec)), `${DI}/gmd:resourceConstraints/gmd:MD_LegalConstraints/gmd:otherConstraints/gmx:Anchor`);

  it('does not add the licence when an otherConstraints anchor already carries its URL (scheme and slash aside)', () => {
    const rec = emptyRecord({
      licence,
      constraints: [{ kind: 'legal', useLimitations: [], accessConstraints: [], useConstraints: ['otherRestrictions'],
        otherConstraints: [{ text: 'Open Database License', href: 'http://opendatacommons.org/licenses/odbl/1-0' }] }],
    });
    expect(anchorsIn(rec)).toHaveLength(1);
  });

  it('does not add the licence when an otherConstraints text quotes its URL', () => {
    const rec = emptyRecord({
      licence,
      constraints: [{ kind: 'legal', useLimitations: [], accessConstraints: [], useConstraints: [],
        otherConstraints: [{ text: 'Licence ODbL : https://opendatacommons.org/licenses/odbl/1-0/' }] }],
    });
    expect(anchorsIn(rec)).toHaveLength(0);
  });

  it('adds the licence as an otherConstraints anchor when no constraint carries it', () => {
    const anchors = anchorsIn(emptyRecord({ licence }));
    expect(anchors.map((a) => [textOf(a), att(a, 'xlink:href')])).toEqual([['ODbL', licence.url]]);
  });
});

describe('writeIso19139 — escaping and determinism', () => {
  it('escapes markup and strips characters XML 1.0 forbids', () => {
    expect(written.nasty).not.toContain('<script>');
    expect(written.nasty).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    const md = parse(written.nasty);
    expect(texts(md, 'gmd:fileIdentifier/gco:CharacterString')).toEqual([NASTY_CLEAN]);
    expect(texts(md, `${CIT}/gmd:title/gco:CharacterString`)).toEqual([NASTY_CLEAN]);
    expect(texts(md, `${CIT}/gmd:title/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString`)).toEqual([NASTY_CLEAN]);
    const anchor = one(md, `${DI}/gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword/gmx:Anchor`);
    expect(att(anchor, 'xlink:href')).toBe('https://example.org/?a=1&b=<2>');
    expect(texts(md, 'gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/gmd:MD_DigitalTransferOptions/gmd:onLine/gmd:CI_OnlineResource/gmd:linkage/gmd:URL'))
      .toEqual(['https://example.org/?a=1&b=2']);
  });

  it('keeps text that looks like entity references literally, and carriage returns, tabs and line feeds', () => {
    const literal = 'Ocean &gt; Pacific &amp; &#65; &#x41; &foo; & done\r\nnext\rline';
    const rec = emptyRecord({
      title: literal,
      onlineResources: [{ url: 'https://example.org/?a=1&amp;b=2' }],
      service: { type: 'view', typeVersions: [], operations: [], coupledResources: [],
        operatesOn: [{ uuidref: 'a&lt;b', title: 'multi\nline\ttitle &amp;' }] },
    });
    const md = parse(writeIso19139(rec));
    expect(texts(md, `${SI}/gmd:citation/gmd:CI_Citation/gmd:title/gco:CharacterString`)).toEqual([literal]);
    expect(texts(md, 'gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/gmd:MD_DigitalTransferOptions/gmd:onLine/gmd:CI_OnlineResource/gmd:linkage/gmd:URL'))
      .toEqual(['https://example.org/?a=1&amp;b=2']);
    const on = one(md, `${SI}/srv:operatesOn`);
    expect([att(on, 'uuidref'), att(on, 'xlink:title')]).toEqual(['a&lt;b', 'multi\nline\ttitle &amp;']);
  });

  it('gives the same bytes for the same record, whatever the key order of its translations', () => {
    const a = richDataset();
    const b = richDataset();
    b.translations = { lineage: { eng: 'Built from farmers declarations.', ger: 'Aus Erklärungen.' }, abstract: b.translations.abstract, title: b.translations.title };
    a.translations.lineage = { ger: 'Aus Erklärungen.', eng: 'Built from farmers declarations.' };
    expect(writeIso19139(a)).toBe(writeIso19139(b));
    expect(writeIso19139(richDataset(), { pretty: true })).toBe(written.rich);
  });

  it('is compact unless pretty is asked for', () => {
    expect(written.richCompact.split('\n').length).toBeLessThanOrEqual(2);
    expect(written.rich.split('\n').length).toBeGreaterThan(100);
  });
});

describe('writeIso19139 — dates and units the schema would reject', () => {
  const md = parse(written.oddDates);

  it('normalises date-times to xs:dateTime and drops impossible dates to nilReason="unknown"', () => {
    expect(texts(md, 'gmd:dateStamp/gco:DateTime')).toEqual(['2015-12-21T10:00:00']);
    const dates = path(md, `${CIT}/gmd:date/gmd:CI_Date`);
    expect(att(one(dates[0], 'gmd:date'), 'gco:nilReason')).toBe('unknown');
    expect(texts(dates[1], 'gmd:date/gco:DateTime')).toEqual(['2020-02-29T08:00:00.123Z']);
    expect(att(one(dates[2], 'gmd:date'), 'gco:nilReason')).toBe('missing');
    expect(att(one(dates[2], 'gmd:dateType'), 'gco:nilReason')).toBe('missing');
  });

  it('writes unusable time positions as indeterminate "unknown"', () => {
    const period = one(md, `${DI}/gmd:extent/gmd:EX_Extent/gmd:temporalElement/gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod`);
    expect(att(one(period, 'gml:beginPosition'), 'indeterminatePosition')).toBe('unknown');
    const end = one(period, 'gml:endPosition');
    expect([textOf(end), att(end, 'indeterminatePosition')]).toEqual(['1999', undefined]);
  });

  it('keeps a thesaurus whose group has no keyword behind a nil keyword, and skips empty groups', () => {
    const groups = path(md, `${DI}/gmd:descriptiveKeywords/gmd:MD_Keywords`);
    expect(groups).toHaveLength(1);
    expect(att(one(groups[0], 'gmd:keyword'), 'gco:nilReason')).toBe('missing');
  });

  it('writes units of measure as gml:UomIdentifier allows, metres when none', () => {
    const uoms = path(md, `${DI}/gmd:spatialResolution/gmd:MD_Resolution/gmd:distance/gco:Distance`).map((d) => att(d, 'uom'));
    expect(uoms).toEqual(['meters_(m)', 'm']);
  });

  it.each([
    ['2020', { kind: 'date', lexical: '2020' }],
    ['2020-02', { kind: 'date', lexical: '2020-02' }],
    ['2024-02-29', { kind: 'date', lexical: '2024-02-29' }],
    ['2023-02-29', undefined],
    ['2020-13', undefined],
    ['2020-01-01 10:00', { kind: 'dateTime', lexical: '2020-01-01T10:00:00' }],
    ['2020-01-01T10:00:00+0200', { kind: 'dateTime', lexical: '2020-01-01T10:00:00+02:00' }],
    ['2020-01-01T25:00:00', undefined],
    ['01/02/2020', undefined],
  ])('toXsdDate(%s)', (input, expected) => {
    expect(toXsdDate(input)).toEqual(expected);
  });
});
