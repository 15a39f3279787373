/**
 * The linked ISO 19139 record (describedby) merged with what the feed says. The ISO record is the richer
 * description (contacts, keywords, lineage, conformity) and is kept whole; the feed adds what only it knows —
 * the download links, formats and CRSs of the files, the dataset identifiers, the feed's rights — and fills
 * what the ISO record lacks (extent, revision date, contacts, licence).
 */
import type { MappingIssue, MdRecord, OperatesOn, ServiceInfo } from '../types.ts';
import { distinctBy } from './feed-record.ts';

/** `iso` completed by `feed` (neither is modified). */
export function mergeWithIso(iso: MdRecord, feed: MdRecord, issues: MappingIssue[]): MdRecord {
  if (iso.hierarchyLevel !== feed.hierarchyLevel && !(feed.hierarchyLevel === 'dataset' && iso.hierarchyLevel === 'series')) {
    issues.push({ severity: 'warning', path: '/feed', message: `linked metadata describes a ${iso.hierarchyLevel}, the feed a ${feed.hierarchyLevel}` });
  }
  const out: MdRecord = {
    ...iso,
    identifier: iso.identifier ?? feed.identifier,
    title: iso.title || feed.title,
    resourceIdentifiers: distinctBy([...iso.resourceIdentifiers, ...feed.resourceIdentifiers], (i) => `${i.codeSpace ?? ''} ${i.code}`),
    bboxes: iso.bboxes.length ? iso.bboxes : feed.bboxes,
    dates: iso.dates.some((d) => d.type === 'revision') ? iso.dates : [...iso.dates, ...feed.dates],
    metadataContacts: iso.metadataContacts.length ? iso.metadataContacts : feed.metadataContacts,
    resourceContacts: iso.resourceContacts.length ? iso.resourceContacts : feed.resourceContacts,
    referenceSystems: distinctBy([...iso.referenceSystems, ...feed.referenceSystems], (r) => r.code),
    distributionFormats: distinctBy([...iso.distributionFormats, ...feed.distributionFormats], (f) => `${f.name} ${f.version ?? ''}`),
    onlineResources: distinctBy([...iso.onlineResources, ...feed.onlineResources], (r) => r.url),
    constraints: [...iso.constraints, ...feed.constraints.filter((c) => !sameText(iso, c.otherConstraints[0]?.text))],
  };
  if (!out.abstract && feed.abstract) out.abstract = feed.abstract;
  if (!out.licence && feed.licence) out.licence = feed.licence;
  if (!out.metadataLanguage && feed.metadataLanguage) out.metadataLanguage = feed.metadataLanguage;
  if (feed.service) out.service = mergeService(iso.service, feed.service);
  return out;
}

/** True when the ISO record already carries this constraint text. */
function sameText(iso: MdRecord, text: string | undefined): boolean {
  if (!text) return true;
  return iso.constraints.some((c) => [...c.otherConstraints, ...c.useLimitations].some((t) => t.text.trim() === text.trim()));
}

/** The ISO service description, with the feed's datasets added to operatesOn and coupled resources. */
function mergeService(iso: ServiceInfo | undefined, feed: ServiceInfo): ServiceInfo {
  if (!iso) return feed;
  const key = (o: OperatesOn) => o.uuidref ?? o.href ?? o.title ?? '';
  return {
    ...iso,
    type: iso.type || feed.type,
    operations: iso.operations.length ? iso.operations : feed.operations,
    operatesOn: distinctBy([...iso.operatesOn, ...feed.operatesOn], key),
    coupledResources: distinctBy([...iso.coupledResources, ...feed.coupledResources], (c) => `${c.operationName ?? ''} ${c.identifier}`),
  };
}
