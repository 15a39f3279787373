/**
 * Responsible parties -> GeoDCAT-AP agents (§III.6, "responsible organisation"):
 * - pointOfContact -> dcat:contactPoint, a vCard (vcard:Organization, or vcard:Individual for a named person)
 *   with vcard:fn, vcard:hasEmail <mailto:…>, vcard:hasTelephone, vcard:hasURL, vcard:hasAddress;
 * - the one dct:publisher (DCAT-AP 0..1): the publisher party, else the owner, else the point of contact;
 * - the other roles with a property of their own: owner -> dct:rightsHolder, author -> dct:creator, custodian,
 *   distributor, originator, principalInvestigator, processor, resourceProvider, user -> geodcat:*;
 * - every party, whatever its role, also as prov:qualifiedAttribution with dcat:hadRole the INSPIRE role IRI.
 * Agents are foaf:Agent and prov:Agent (and foaf:Organization or foaf:Person) with foaf:name, foaf:mbox, foaf:phone,
 * foaf:homepage. A record whose resource has no point of contact gets its metadata point of contact as contact
 * point: DCAT-AP recommends one and data.gouv.fr shows it.
 */
import type { NamedNode } from 'n3';
import type { ResponsibleParty } from '../types.ts';
import { DCAT, DCT, FOAF, GEODCAT, PROV, VCARD } from './vocab.ts';
import { texts, type DcatWriter } from './write-context.ts';
import { mailto, namedNode, tel, text, type Subject } from './write-terms.ts';

const ROLE_PROPERTIES: Readonly<Record<string, string>> = {
  owner: DCT('rightsHolder'),
  author: DCT('creator'),
  custodian: GEODCAT('custodian'),
  distributor: GEODCAT('distributor'),
  originator: GEODCAT('originator'),
  principalInvestigator: GEODCAT('principalInvestigator'),
  processor: GEODCAT('processor'),
  resourceProvider: GEODCAT('resourceProvider'),
  user: GEODCAT('user'),
};

const ROLE_IRI = 'http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/';
/** Which party publishes, in order of preference. */
const PUBLISHER_ROLES = ['publisher', 'owner', 'pointOfContact'];

export function writeParties(w: DcatWriter): void {
  const parties = w.rec.resourceContacts.filter(named);
  const agents = new Map<ResponsibleParty, Subject>();
  const agentOf = (p: ResponsibleParty): Subject => {
    let a = agents.get(p);
    if (!a) agents.set(p, (a = writeAgent(w, p)));
    return a;
  };
  for (const p of parties) {
    const property = ROLE_PROPERTIES[p.role];
    if (property) w.q.add(w.subject, property, agentOf(p));
    if (/^[A-Za-z]+$/.test(p.role)) attribution(w, agentOf(p), namedNode(ROLE_IRI + p.role));
  }
  const publisher = PUBLISHER_ROLES.map((r) => parties.find((p) => p.role === r)).find(Boolean)
    ?? w.rec.metadataContacts.find(named);
  if (publisher) w.q.add(w.subject, DCT('publisher'), agents.get(publisher) ?? writeAgent(w, publisher));
  const contacts = w.rec.resourceContacts.filter((p) => p.role === 'pointOfContact' && reachable(p));
  for (const p of contacts.length > 0 ? contacts : w.rec.metadataContacts.filter(reachable)) {
    w.q.add(w.subject, DCAT('contactPoint'), writeContact(w, p));
  }
}

function named(p: ResponsibleParty): boolean {
  return !!(p.organisationName?.trim() || p.individualName?.trim());
}

/** A contact point needs a name or an address to write to (udata keeps contact points with an e-mail only). */
export function reachable(p: ResponsibleParty): boolean {
  return named(p) || (p.emails ?? []).some((e) => e.trim());
}

function attribution(w: DcatWriter, agent: Subject, role: NamedNode): void {
  const a = w.q.node(PROV('Attribution'));
  w.q.add(w.subject, PROV('qualifiedAttribution'), a);
  w.q.add(a, PROV('agent'), agent);
  w.q.add(a, DCAT('hadRole'), role);
}

/** An organisation's name is tagged with the metadata language only when it has translations (a proper noun). */
function orgName(w: DcatWriter, s: Subject, p: string, party: ResponsibleParty): void {
  const translations = party.organisationNameTranslations;
  if (translations && Object.keys(translations).length > 0) texts(w, s, p, party.organisationName, translations);
  else w.q.add(s, p, text(party.organisationName));
}

export function writeAgent(w: DcatWriter, p: ResponsibleParty): Subject {
  const isOrg = !!p.organisationName?.trim();
  const agent = w.q.node(FOAF('Agent'), PROV('Agent'), isOrg ? FOAF('Organization') : FOAF('Person'));
  if (isOrg) orgName(w, agent, FOAF('name'), p);
  else w.q.add(agent, FOAF('name'), text(p.individualName));
  for (const e of p.emails ?? []) w.q.add(agent, FOAF('mbox'), mailto(e));
  for (const t of p.phones ?? []) w.q.add(agent, FOAF('phone'), tel(t));
  w.q.iri(agent, FOAF('homepage'), p.url, ['http', 'https']);
  return agent;
}

/** A vCard contact (DCAT-AP contact point); also the catalogue record's contact for the metadata contacts. */
export function writeContact(w: DcatWriter, p: ResponsibleParty): Subject {
  const person = p.individualName?.trim();
  const card = w.q.node(person ? VCARD('Individual') : VCARD('Organization'));
  if (person) {
    w.q.add(card, VCARD('fn'), text(person));
    orgName(w, card, VCARD('organization-name'), p);
  } else {
    orgName(w, card, VCARD('fn'), p);
  }
  for (const e of p.emails ?? []) w.q.add(card, VCARD('hasEmail'), mailto(e));
  for (const t of p.phones ?? []) w.q.add(card, VCARD('hasTelephone'), tel(t));
  w.q.iri(card, VCARD('hasURL'), p.url, ['http', 'https']);
  writeAddress(w, card, p);
  return card;
}

function writeAddress(w: DcatWriter, card: Subject, p: ResponsibleParty): void {
  const a = p.address;
  if (!a) return;
  const values: [string, string | undefined][] = [
    ...(a.deliveryPoint ?? []).map((d): [string, string] => [VCARD('street-address'), d]),
    [VCARD('locality'), a.city],
    [VCARD('region'), a.administrativeArea],
    [VCARD('postal-code'), a.postalCode],
    [VCARD('country-name'), a.country],
  ];
  if (!values.some(([, v]) => v?.trim())) return;
  const address = w.q.node(VCARD('Address'));
  w.q.add(card, VCARD('hasAddress'), address);
  for (const [p, v] of values) w.q.add(address, p, text(v));
}
