/**
 * A catalogue record as gmd:MD_Metadata for outputSchema=http://www.isotc211.org/2005/gmd, in the element sets
 * of the ISO Application Profile (OGC 07-045 §8.2.2: brief, summary, full) or restricted to ElementName.
 *
 * Brief and summary are not a second ISO writer: the record is reduced to the fields of the element set and
 * written by the ISO 19139 writer, so the output validates against the XSD like the full record. The one rule
 * beyond OGC 07-045's lists: the elements ISO 19139 makes mandatory (contact, dateStamp, citation date,
 * abstract, resource language; serviceType, couplingType, containsOperations for services) keep their real
 * values instead of a gco:nilReason that would claim the value is missing. pycsw and GeoNetwork drop them and
 * answer schema-invalid briefs.
 */
import { findQueryable } from '../../../mappings/queryables.ts';
import { emptyRecord } from '../../../mappings/record.ts';
import type { MdRecord } from '../../../mappings/types.ts';
import { writeIso19139Element } from '../../../mappings/iso19139/write.ts';

export { prefixXmlIds } from '../../../mappings/iso19139/write.ts';
import { HubError } from '../../errors.ts';
import type { ElementSet } from './domains.ts';

type Field = keyof MdRecord;

/**
 * What every element set keeps: identification, plus what ISO 19139 makes mandatory, plus the metadata
 * language (the writer always writes gmd:language, nil when unknown). `service` is reduced to its mandatory
 * and brief parts (briefService) unless the whole of it is asked for.
 */
const MANDATORY: readonly Field[] = [
  'identifier', 'hierarchyLevel', 'metadataLanguage', 'metadataContacts', 'metadataDate', 'title', 'dates', 'abstract',
  'resourceLanguages', 'service',
];

/** OGC 07-045 brief: Identifier, Title, Type, BoundingBox, GraphicOverview, ServiceType(Version). */
const BRIEF: readonly Field[] = [...MANDATORY, 'bboxes', 'graphicOverviews'];

/**
 * OGC 07-045 summary: brief plus Abstract, Creator/Publisher/Contributor, Format, Language, Lineage, Modified,
 * OnlineResource, ParentIdentifier, ResourceIdentifier, ResourceLanguage, Subject (keywords, topic
 * categories), SpatialResolution, CRS, temporal extent, OperatesOn / coupled resources for services.
 */
const SUMMARY: readonly Field[] = [
  ...BRIEF, 'metadataLanguage', 'metadataCharacterSet', 'parentIdentifier', 'metadataStandard', 'locales',
  'translations', 'referenceSystems', 'resourceIdentifiers', 'resourceContacts', 'keywords', 'topicCategories',
  'spatialResolutions', 'resourceCharacterSet', 'distributionFormats', 'onlineResources', 'lineage',
  'temporalExtents', 'geographicDescriptions',
];

const SERVICE: readonly Field[] = ['service'];
const CONSTRAINTS: readonly Field[] = ['constraints', 'licence'];
const PARTIES: readonly Field[] = ['resourceContacts', 'metadataContacts'];
const CONFORMITY: readonly Field[] = ['conformity'];

/**
 * The record fields an ElementName (a queryable of the table, by any of its names) brings into the output.
 * 'all' is the whole record: AnyText is made of every field. test/publish/csw checks every queryable is here.
 */
export const ISO_ELEMENT_FIELDS: Readonly<Record<string, readonly Field[] | 'all'>> = {
  'apiso:AnyText': 'all',
  'apiso:Title': ['title'],
  'apiso:Abstract': ['abstract'],
  'apiso:Subject': ['keywords', 'topicCategories'],
  'apiso:Format': ['distributionFormats'],
  'apiso:Identifier': ['identifier'],
  'apiso:Modified': ['metadataDate'],
  'apiso:Type': ['hierarchyLevel'],
  'apiso:BoundingBox': ['bboxes'],
  'apiso:CRS': ['referenceSystems'],
  'apiso:RevisionDate': ['dates'],
  'apiso:AlternateTitle': ['alternateTitles'],
  'apiso:CreationDate': ['dates'],
  'apiso:PublicationDate': ['dates'],
  'apiso:OrganisationName': PARTIES,
  'apiso:HasSecurityConstraints': CONSTRAINTS,
  'apiso:Language': ['metadataLanguage'],
  'apiso:ResourceIdentifier': ['resourceIdentifiers'],
  'apiso:ParentIdentifier': ['parentIdentifier'],
  'apiso:KeywordType': ['keywords'],
  'apiso:TopicCategory': ['topicCategories'],
  'apiso:ResourceLanguage': ['resourceLanguages'],
  'apiso:GeographicDescriptionCode': ['geographicDescriptions'],
  'apiso:Denominator': ['spatialResolutions'],
  'apiso:DistanceValue': ['spatialResolutions'],
  'apiso:DistanceUOM': ['spatialResolutions'],
  'apiso:TempExtent_begin': ['temporalExtents'],
  'apiso:TempExtent_end': ['temporalExtents'],
  'apiso:ServiceType': SERVICE,
  'apiso:ServiceTypeVersion': SERVICE,
  'apiso:Operation': SERVICE,
  'apiso:OperatesOn': SERVICE,
  'apiso:OperatesOnIdentifier': SERVICE,
  'apiso:OperatesOnName': SERVICE,
  'apiso:CouplingType': SERVICE,
  'apiso:Degree': CONFORMITY,
  'apiso:AccessConstraints': CONSTRAINTS,
  'apiso:OtherConstraints': CONSTRAINTS,
  'apiso:Classification': CONSTRAINTS,
  'apiso:ConditionApplyingToAccessAndUse': CONSTRAINTS,
  'apiso:Lineage': ['lineage'],
  'apiso:ResponsiblePartyRole': PARTIES,
  'apiso:SpecificationTitle': CONFORMITY,
  'apiso:SpecificationDate': CONFORMITY,
  'apiso:SpecificationDateType': CONFORMITY,
  'moisson:Source': [],
  'moisson:Licence': CONSTRAINTS,
};

/**
 * The record fields kept for these ElementName values, or a HubError naming the first unknown one.
 * `wholeService`: a service property was asked for, so the service part is not reduced.
 */
export function isoElementFields(names: readonly string[]): { fields: Set<Field>; wholeService: boolean } | 'all' {
  const fields = new Set<Field>(MANDATORY);
  let wholeService = false;
  for (const name of names) {
    const q = findQueryable(name);
    const mapped = q ? ISO_ELEMENT_FIELDS[q.name] : undefined;
    if (mapped === undefined) {
      throw new HubError('invalid_parameter', `ElementName "${name}" is not a queryable of gmd:MD_Metadata.`, { locator: 'ElementName' });
    }
    if (mapped === 'all') return 'all';
    for (const f of mapped) fields.add(f);
    if (mapped.includes('service')) wholeService = true;
  }
  return { fields, wholeService };
}

/** A copy of the record holding only `fields` (the others empty, as a mapping leaves them). */
export function reduceRecord(rec: MdRecord, fields: Iterable<Field>): MdRecord {
  const out = emptyRecord() as unknown as Record<string, unknown>;
  const src = rec as unknown as Record<string, unknown>;
  for (const f of fields) if (src[f] !== undefined) out[f] = src[f];
  return out as unknown as MdRecord;
}

/**
 * A brief service keeps what identifies the service type and what SV_ServiceIdentification makes mandatory
 * (coupling type, operations); what it operates on is summary material.
 */
function briefService(rec: MdRecord): MdRecord {
  if (!rec.service) return rec;
  return { ...rec, service: { ...rec.service, operatesOn: [], coupledResources: [] } };
}

/** The gmd:MD_Metadata element (no XML declaration) of an element set or of ElementName values. */
export function isoRecord(rec: MdRecord, elementSet: ElementSet, elementNames?: readonly string[]): string {
  return writeIso19139Element(reducedRecord(rec, elementSet, elementNames), rec);
}

/** The record reduced to an element set or to ElementName values. */
export function reducedRecord(rec: MdRecord, elementSet: ElementSet, elementNames?: readonly string[]): MdRecord {
  let reduced: MdRecord;
  if (elementNames?.length) {
    const selection = isoElementFields(elementNames);
    if (selection === 'all') reduced = rec;
    else {
      reduced = reduceRecord(rec, selection.fields);
      if (!selection.wholeService) reduced = briefService(reduced);
    }
  } else if (elementSet === 'brief') {
    reduced = briefService(reduceRecord(rec, BRIEF));
  } else if (elementSet === 'summary') {
    reduced = reduceRecord(rec, SUMMARY);
  } else {
    reduced = rec;
  }
  return reduced;
}
