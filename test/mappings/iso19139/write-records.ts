/**
 * Hand-built records for the ISO 19139 writer tests (write.test.ts): an empty record, a rich dataset, a
 * service, awkward URIs and text, and a seeded generator of random awkward records.
 */
import type { MdRecord } from '../../../mappings/types.ts';

export function emptyRecord(overrides: Partial<MdRecord> = {}): MdRecord {
  return {
    identifier: null, hierarchyLevel: 'dataset', metadataContacts: [], locales: [], title: '',
    alternateTitles: [], translations: {}, resourceIdentifiers: [], dates: [], status: [], resourceContacts: [],
    keywords: [], topicCategories: [], resourceLanguages: [], bboxes: [], geographicDescriptions: [],
    temporalExtents: [], spatialRepresentationTypes: [], spatialResolutions: [], referenceSystems: [],
    constraints: [], conformity: [], distributionFormats: [], onlineResources: [], graphicOverviews: [],
    ...overrides,
  };
}

export const INSPIRE_THEMES = 'http://inspire.ec.europa.eu/theme';

export function richDataset(): MdRecord {
  return emptyRecord({
    identifier: 'fr-200046977-rpg-2023',
    parentIdentifier: 'fr-200046977-rpg',
    hierarchyLevel: 'dataset',
    hierarchyLevelName: 'Jeu de données',
    metadataStandard: { name: 'ISO 19115', version: '2003/Cor 1:2006' },
    metadataLanguage: 'fre',
    metadataCharacterSet: 'utf8',
    metadataDate: '2024-03-05T10:12:00+0100',
    metadataContacts: [{
      organisationName: 'Région Bretagne', organisationNameTranslations: { eng: 'Brittany Region' },
      individualName: 'Service SIG', positionName: 'Administrateur', emails: ['sig@bretagne.bzh'],
      phones: ['+33 2 99 00 00 00'], url: 'https://www.bretagne.bzh/',
      address: { deliveryPoint: ['283 avenue du Général Patton', 'CS 21101'], city: 'Rennes', postalCode: '35711', country: 'France' },
      role: 'pointOfContact',
    }],
    locales: ['eng'],
    title: 'Registre parcellaire graphique 2023',
    alternateTitles: ['RPG 2023'],
    abstract: 'Îlots culturaux déclarés au titre de la PAC.',
    purpose: 'Suivi des aides agricoles.',
    translations: {
      title: { eng: 'Land parcel identification system 2023' },
      abstract: { eng: 'Crop islands declared under the CAP.' },
      lineage: { eng: 'Built from farmers declarations.' },
    },
    resourceIdentifiers: [
      { code: 'https://data.geopf.fr/id/RPG_2023', href: 'https://data.geopf.fr/id/RPG_2023' },
      { code: 'RPG_2023', codeSpace: 'IGNF' },
    ],
    dates: [{ date: '2023', type: 'creation' }, { date: '2024-01', type: 'publication' }, { date: '2024-02-15', type: 'revision' }],
    edition: '3.0',
    status: ['completed'],
    resourceContacts: [{ organisationName: 'ASP', role: 'owner' }, { organisationName: 'IGN', emails: ['contact@ign.fr'], role: 'distributor' }],
    keywords: [
      { keywords: [{ text: 'Parcelles cadastrales', href: `${INSPIRE_THEMES}/cp`, translations: { eng: 'Cadastral parcels' } }],
        type: 'theme',
        thesaurus: { title: 'GEMET - INSPIRE themes, version 1.0', href: INSPIRE_THEMES, date: '2008-06-01', dateType: 'publication' } },
      { keywords: [{ text: 'agriculture' }, { text: 'PAC' }] },
      { keywords: [{ text: 'Bretagne' }], type: 'place' },
    ],
    topicCategories: ['farming', 'PlanningCadastre', 'not-a-category', 'planningCadastre_Planning'],
    resourceLanguages: ['fre'],
    resourceCharacterSet: 'utf8',
    bboxes: [{ west: -5.14, east: -1.01, south: 47.28, north: 48.9 }, { west: 0.0000001, east: 1, south: -1, north: 1 }],
    geographicDescriptions: ['53'],
    temporalExtents: [{ start: '2023-01-01', end: null, endIndeterminate: 'now' }, { start: null, end: '2023-12-31T23:59:59Z' }],
    spatialRepresentationTypes: ['vector'],
    spatialResolutions: [{ scaleDenominator: 5000 }, { distance: 0.5, uom: 'm' }],
    referenceSystems: [{ code: 'EPSG:2154', codeSpace: 'EPSG', href: 'http://www.opengis.net/def/crs/EPSG/0/2154' }],
    constraints: [
      { kind: 'legal', useLimitations: [{ text: 'Aucune' }], accessConstraints: ['otherRestrictions'], useConstraints: [],
        otherConstraints: [{ text: 'Pas de restriction d’accès public', href: 'http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations' }] },
      { kind: 'security', useLimitations: [], accessConstraints: [], useConstraints: [], otherConstraints: [], classification: 'unclassified' },
      { kind: 'basic', useLimitations: [{ text: 'Usage libre' }], accessConstraints: [], useConstraints: [], otherConstraints: [] },
    ],
    licence: { id: 'etalab-2.0', label: 'Licence Ouverte 2.0', url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/' },
    lineage: 'Construit à partir des déclarations des exploitants.',
    conformity: [
      { specification: { title: 'Règlement (UE) n° 1089/2010', href: 'http://data.europa.eu/eli/reg/2010/1089', date: '2010-12-08', dateType: 'publication' },
        explanation: 'Voir la spécification', pass: true },
      { specification: { title: 'Spécification interne' }, pass: false },
      { specification: { title: 'Non évaluée', date: '2010-12-08', dateType: 'publication' }, pass: null },
    ],
    distributionFormats: [{ name: 'GeoPackage', version: '1.2' }, { name: 'ESRI Shapefile' }],
    onlineResources: [
      { url: 'https://data.geopf.fr/wms-r?SERVICE=WMS&REQUEST=GetCapabilities', protocol: 'OGC:WMS', name: 'RPG', description: 'Visualisation', function: 'information' },
      { url: 'https://data.geopf.fr/telechargement/resource/RPG', protocol: 'WWW:DOWNLOAD-1.0-http--download', applicationProfile: 'zip', function: 'download' },
    ],
    graphicOverviews: [{ url: 'https://example.org/rpg.png', description: 'Aperçu', type: 'png' }],
  });
}

export function serviceRecord(): MdRecord {
  return emptyRecord({
    identifier: 'svc-wms-rpg', hierarchyLevel: 'service', metadataLanguage: 'fre', metadataDate: '2024-01-01',
    metadataContacts: [{ organisationName: 'IGN', role: 'pointOfContact' }],
    title: 'Service de visualisation du RPG', abstract: 'WMS du RPG.',
    dates: [{ date: '2024-01-01', type: 'publication' }],
    bboxes: [{ west: -5, east: 9, south: 41, north: 51 }],
    onlineResources: [{ url: 'https://data.geopf.fr/wms-r', protocol: 'OGC:WMS' }],
    service: {
      type: 'view', typeVersions: ['1.3.0'], couplingType: 'tight',
      operations: [
        { name: 'GetCapabilities', dcp: ['WebServices'], urls: ['https://data.geopf.fr/wms-r?SERVICE=WMS&REQUEST=GetCapabilities'] },
        { name: 'GetMap', dcp: [], urls: [] },
      ],
      operatesOn: [
        { uuidref: 'fr-200046977-rpg-2023', href: 'https://example.org/csw?id=fr-200046977-rpg-2023', title: 'RPG 2023' },
        { href: 'https://example.org/csw?id=other' },
      ],
      coupledResources: [{ operationName: 'GetMap', identifier: 'fr-200046977-rpg-2023', layerName: 'RPG.2023' }, { identifier: 'x' }],
    },
  });
}

/** URIs libxml2's xs:anyURI check rejects as they are (collected by probing xmllint). */
export const BAD_URIS = [
  'a b:c', ':x', 'http://x:port/', 'http://user@host@x/', 'http://x/%2', 'http://a/b?x=[1]', 'http://a:b:c/',
  'https://x/100%', 'https://x/#a#b',
];

export function weirdUriRecord(): MdRecord {
  return emptyRecord({
    hierarchyLevel: 'service',
    metadataContacts: BAD_URIS.map((url) => ({ url, role: url })),
    keywords: [{ keywords: BAD_URIS.map((href) => ({ text: 'k', href })), thesaurus: { title: 't', href: BAD_URIS[0] } }],
    onlineResources: BAD_URIS.map((url) => ({ url, function: url })),
    status: BAD_URIS,
    resourceLanguages: BAD_URIS,
    metadataLanguage: BAD_URIS[0],
    service: {
      type: 'download', typeVersions: [], operations: [{ name: 'x', dcp: BAD_URIS, urls: BAD_URIS }],
      operatesOn: BAD_URIS.map((href) => ({ href, uuidref: href })), coupledResources: [],
    },
  });
}

// A small seeded generator: random records drawn from awkward values, all of which must validate.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AWKWARD_TEXT = ['', ' ', 'plain', 'é à ü 中文 😀', '<b>&amp;</b>', ']]>', '\u0000\u0007x\uFFFE', 'line\r\nbreak', ...BAD_URIS];
const AWKWARD_DATES = ['', '2020', '2020-13', '2020-02-30', '2020-06-15', '2020-06-15T10:00', '2020-06-15 10:00:00.5+0130', '15/06/2020', 'x'];

export function randomRecord(seed: number): MdRecord {
  const rnd = mulberry32(seed);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const some = <T,>(f: () => T): T[] => Array.from({ length: Math.floor(rnd() * 3) }, f);
  const t = () => pick(AWKWARD_TEXT);
  const party = () => ({ organisationName: t(), emails: some(t), phones: some(t), url: t(), address: { city: t(), deliveryPoint: some(t) }, role: t() });
  const rec = emptyRecord({
    identifier: pick([null, t()]), hierarchyLevel: pick(['dataset', 'series', 'service', 'nonGeographicDataset', 'x y']),
    metadataLanguage: t(), metadataDate: pick(AWKWARD_DATES), metadataContacts: some(party), locales: some(t),
    title: t(), abstract: t(), translations: { title: { [t()]: t() }, lineage: { [t()]: t() } }, alternateTitles: some(t),
    resourceIdentifiers: some(() => ({ code: t(), codeSpace: t(), href: t() })),
    dates: some(() => ({ date: pick(AWKWARD_DATES), type: t() })), status: some(t), resourceContacts: some(party),
    keywords: some(() => ({ keywords: some(() => ({ text: t(), href: t(), translations: { [t()]: t() } })), type: t(),
      thesaurus: pick([undefined, { title: t(), href: t(), date: pick(AWKWARD_DATES), dateType: t() }]) })),
    topicCategories: some(t), resourceLanguages: some(t),
    bboxes: some(() => ({ west: rnd() * 360 - 180, east: 1e-9, south: -90, north: rnd() * 90 })),
    geographicDescriptions: some(t),
    temporalExtents: some(() => ({ start: pick([null, ...AWKWARD_DATES]), end: pick([null, ...AWKWARD_DATES]), endIndeterminate: pick([undefined, 'now', t()]) })),
    spatialResolutions: some(() => ({ scaleDenominator: rnd() * 1e6, distance: rnd() * 10, uom: t() })),
    referenceSystems: some(() => ({ code: t(), href: t() })),
    constraints: some(() => ({ kind: pick(['legal', 'security', 'basic'] as const), useLimitations: some(() => ({ text: t() })),
      accessConstraints: some(t), useConstraints: some(t), otherConstraints: some(() => ({ text: t(), href: t() })), classification: t() })),
    licence: pick([undefined, { id: 'x', label: t(), url: t() }]),
    lineage: t(), conformity: some(() => ({ specification: { title: t(), date: pick(AWKWARD_DATES) }, explanation: t(), pass: pick([true, false, null]) })),
    distributionFormats: some(() => ({ name: t(), version: t() })), onlineResources: some(() => ({ url: t(), protocol: t(), function: t() })),
    graphicOverviews: some(() => ({ url: t() })),
  });
  if (rnd() < 0.3) {
    rec.service = { type: t(), typeVersions: some(t), couplingType: t(), operations: some(() => ({ name: t(), dcp: some(t), urls: some(t) })),
      operatesOn: some(() => ({ uuidref: t(), href: t(), title: t() })), coupledResources: some(() => ({ identifier: t(), layerName: t() })) };
  }
  return rec;
}

export const NASTY = 'A <script>alert("x")</script> & B ]]> C \u0001\u0008\u000B\uFFFF\uD800 D';
export const NASTY_CLEAN = 'A <script>alert("x")</script> & B ]]> C  D';
