/**
 * Keywords -> dcat:keyword and dcat:theme (GeoDCAT-AP §III.4): a keyword with an http anchor (gmx:Anchor: INSPIRE
 * themes, GEMET concepts, INSPIRE code lists) is a concept, written as dcat:theme with its labels (skos:prefLabel,
 * what udata and CKAN turn into tags) and its thesaurus (skos:inScheme); a keyword without one is a free
 * dcat:keyword, once per language. ISO topic categories are INSPIRE code list concepts (dcat:theme and GeoDCAT-AP's
 * geodcat:topicCategory). Anchors into a few vocabularies have a property of their own instead of dcat:theme
 * (ROLES below): the EU frequency vocabulary (how the DCAT reader keeps dct:accrualPeriodicity), INSPIRE spatial
 * data service categories (GeoDCAT-AP), the high-value dataset categories and ELI legislation (DCAT-AP 3 HVD:
 * dcatap:hvdCategory, dcatap:applicableLegislation), EU country and place authorities (dct:spatial).
 */
import type { KeywordGroup } from '../types.ts';
import { DCAT, DCT, GEODCAT, SKOS } from './vocab.ts';
import { texts, type DcatWriter } from './write-context.ts';
import { iri, namedNode } from './write-terms.ts';

const DCATAP = (local: string) => `http://data.europa.eu/r5r/${local}`;

/** Concept IRI -> the property it is written with instead of dcat:theme (and the class it gets, if any). */
const ROLES: ReadonlyArray<readonly [RegExp, string, string?]> = [
  [/^https?:\/\/publications\.europa\.eu\/resource\/authority\/frequency\//, DCT('accrualPeriodicity')],
  [/^https?:\/\/inspire\.ec\.europa\.eu\/metadata-codelist\/SpatialDataServiceCategory\//, GEODCAT('serviceCategory')],
  [/^https?:\/\/data\.europa\.eu\/bna\/c_/, DCATAP('hvdCategory')],
  [/^https?:\/\/data\.europa\.eu\/eli\//, DCATAP('applicableLegislation')],
  [/^https?:\/\/publications\.europa\.eu\/resource\/authority\/(country|place|continent|atu)\//, DCT('spatial'), DCT('Location')],
];
const TOPIC_CATEGORY = 'http://inspire.ec.europa.eu/metadata-codelist/TopicCategory/';

export function writeKeywords(w: DcatWriter): void {
  for (const group of w.rec.keywords) writeGroup(w, group);
  for (const code of w.rec.topicCategories) {
    if (!/^[A-Za-z]+$/.test(code)) continue;
    const concept = namedNode(TOPIC_CATEGORY + code);
    w.q.add(w.subject, DCAT('theme'), concept);
    w.q.add(w.subject, GEODCAT('topicCategory'), concept);
  }
}

function writeGroup(w: DcatWriter, group: KeywordGroup): void {
  const scheme = iri(group.thesaurus?.href, ['http', 'https']);
  for (const k of group.keywords) {
    const concept = iri(k.href, ['http', 'https']);
    const role = concept ? ROLES.find(([re]) => re.test(concept.value)) : undefined;
    if (concept && role) {
      w.q.add(w.subject, role[1], concept);
      if (role[2]) w.q.type(concept, role[2]);
    } else if (concept) {
      w.q.add(w.subject, DCAT('theme'), concept);
      texts(w, concept, SKOS('prefLabel'), k.text, k.translations);
      if (scheme) w.q.add(concept, SKOS('inScheme'), scheme);
    } else {
      texts(w, w.subject, DCAT('keyword'), k.text, k.translations);
    }
  }
}
