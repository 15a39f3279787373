/**
 * Contacts and agents -> responsible parties: dcat:contactPoint (vCard: fn, organization-name, GeoNetwork's
 * vcard:org/organisation-name, hasEmail, hasTelephone, hasURL, hasAddress), dct:publisher / dct:creator /
 * dct:rightsHolder (FOAF agents), GeoDCAT-AP's role properties and prov:qualifiedAttribution with dcat:hadRole.
 */
import type { Address, ResponsibleParty } from '../types.ts';
import { DCAT, DCT, FOAF, GEODCAT, PROV, VCARD } from './vocab.ts';
import { assign, labelOf, pushUnique, text, textIn, type ReadContext } from './read-context.ts';
import type { Term } from './rdf.ts';

/** Property of the record resource -> CI_RoleCode of the agents it points to. */
const ROLE_PROPERTIES: ReadonlyArray<readonly [string, string]> = [
  [DCAT('contactPoint'), 'pointOfContact'],
  [DCT('publisher'), 'publisher'],
  [DCT('creator'), 'author'],
  [DCT('rightsHolder'), 'owner'],
  [GEODCAT('custodian'), 'custodian'],
  [GEODCAT('distributor'), 'distributor'],
  [GEODCAT('originator'), 'originator'],
  [GEODCAT('principalInvestigator'), 'principalInvestigator'],
  [GEODCAT('processor'), 'processor'],
  [GEODCAT('resourceProvider'), 'resourceProvider'],
  [GEODCAT('user'), 'user'],
];

/** The parties of a node (the record resource, or its catalogue record for the metadata contacts). */
export function readParties(ctx: ReadContext, subject: Term, only?: readonly string[]): ResponsibleParty[] {
  const out: ResponsibleParty[] = [];
  for (const [p, role] of ROLE_PROPERTIES) {
    if (only && !only.includes(p)) continue;
    for (const agent of ctx.graph.objects(subject, p)) addParty(ctx, out, agent, role);
  }
  if (!only) {
    for (const a of ctx.graph.objects(subject, PROV('qualifiedAttribution'))) {
      const role = ctx.graph.objects(a, DCAT('hadRole'))[0]?.value.split(/[/#]/).pop();
      for (const agent of ctx.graph.objects(a, PROV('agent'))) addParty(ctx, out, agent, role || 'pointOfContact');
    }
  }
  return out;
}

function addParty(ctx: ReadContext, out: ResponsibleParty[], agent: Term, role: string): void {
  const party = agent.termType === 'Literal' ? { organisationName: agent.value.trim(), role } : partyOf(ctx, agent, role);
  if (Object.keys(party).length > 1) pushUnique(out, party);
}

function partyOf(ctx: ReadContext, agent: Term, role: string): ResponsibleParty {
  const g = ctx.graph;
  const party: ResponsibleParty = { role };
  const types = g.types(agent);
  const fn = text(ctx, agent, [VCARD('fn'), FOAF('name')]) ?? labelOf(ctx, agent);
  const org = textIn(ctx, agent, [VCARD('organization-name'), VCARD('organisation-name')]);
  const orgNode = g.objects(agent, VCARD('org'))[0];
  const orgName = org.main ?? (orgNode && text(ctx, orgNode, [VCARD('organisation-name'), VCARD('organization-name'), VCARD('fn')]));
  const individual = types.includes(VCARD('Individual')) || types.includes(FOAF('Person'));
  if (individual) assign(party, 'individualName', fn);
  assign(party, 'organisationName', orgName ?? (individual ? undefined : fn));
  if (org.translations) party.organisationNameTranslations = org.translations;
  assign(party, 'emails', unique([...g.objects(agent, VCARD('hasEmail')), ...g.objects(agent, FOAF('mbox'))].map((t) => stripScheme(valueOf(ctx, t), 'mailto:'))));
  assign(party, 'phones', unique([...g.objects(agent, VCARD('hasTelephone')), ...g.objects(agent, FOAF('phone'))].map((t) => stripScheme(valueOf(ctx, t), 'tel:'))));
  assign(party, 'url', [...g.objects(agent, VCARD('hasURL')), ...g.objects(agent, FOAF('homepage')), ...g.objects(agent, FOAF('workplaceHomepage'))][0]?.value);
  const address = g.objects(agent, VCARD('hasAddress'))[0];
  if (address) assign(party, 'address', addressOf(ctx, address));
  return party;
}

/** vCard values may be IRIs (mailto:, tel:) or nodes with vcard:hasValue. */
function valueOf(ctx: ReadContext, t: Term): string {
  if (t.termType !== 'BlankNode') return t.value.trim();
  return ctx.graph.objects(t, VCARD('hasValue'))[0]?.value.trim() ?? '';
}

function stripScheme(v: string, scheme: string): string {
  return v.toLowerCase().startsWith(scheme) ? decodeURIComponent(v.slice(scheme.length)) : v;
}

function unique(list: string[]): string[] {
  return [...new Set(list.filter(Boolean))];
}

function addressOf(ctx: ReadContext, node: Term): Address | undefined {
  const address: Address = {};
  assign(address, 'deliveryPoint', unique(ctx.graph.objects(node, VCARD('street-address')).map((t) => t.value.trim())));
  assign(address, 'city', text(ctx, node, [VCARD('locality')]));
  assign(address, 'administrativeArea', text(ctx, node, [VCARD('region')]));
  assign(address, 'postalCode', text(ctx, node, [VCARD('postal-code')]));
  assign(address, 'country', text(ctx, node, [VCARD('country-name')]));
  return Object.keys(address).length > 0 ? address : undefined;
}
