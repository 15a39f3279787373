/** ISO 19139 writers for CI_ResponsibleParty and CI_OnlineResource (contacts, links, connect points). */
import type { Address, OnlineResource, ResponsibleParty } from '../types.ts';
import { toAnyUri } from './write-uri.ts';
import { codeList, has, nil, setText, text, type Node, type WriteContext } from './write-xml.ts';

/** A CI_ResponsibleParty property (gmd:contact, gmd:pointOfContact…); the role is mandatory. */
export function responsibleParty(ctx: WriteContext, parent: Node, name: string, party: ResponsibleParty): void {
  const rp = parent.ele(name).ele('gmd:CI_ResponsibleParty');
  text(ctx, rp, 'gmd:individualName', party.individualName);
  text(ctx, rp, 'gmd:organisationName', party.organisationName, {
    translations: party.organisationNameTranslations,
  });
  text(ctx, rp, 'gmd:positionName', party.positionName);
  if (hasContactInfo(party)) contactInfo(ctx, rp.ele('gmd:contactInfo').ele('gmd:CI_Contact'), party);
  codeList(rp, 'gmd:role', 'gmd:CI_RoleCode', party.role);
}

/** Parties or a single nil property when there are none and the element is mandatory (gmd:contact). */
export function responsibleParties(
  ctx: WriteContext,
  parent: Node,
  name: string,
  parties: ResponsibleParty[],
  mandatory: boolean,
): void {
  if (parties.length === 0 && mandatory) nil(parent, name);
  for (const party of parties) responsibleParty(ctx, parent, name, party);
}

function hasContactInfo(p: ResponsibleParty): boolean {
  return (
    (p.phones ?? []).some(has) || (p.emails ?? []).some(has) || hasAddress(p.address) || has(p.url)
  );
}

function hasAddress(a: Address | undefined): boolean {
  if (!a) return false;
  return (a.deliveryPoint ?? []).some(has) || [a.city, a.administrativeArea, a.postalCode, a.country].some(has);
}

/** CI_Contact: phone, address (which is where ISO puts e-mail addresses), online resource, in XSD order. */
function contactInfo(ctx: WriteContext, contact: Node, p: ResponsibleParty): void {
  const phones = (p.phones ?? []).filter(has);
  if (phones.length > 0) {
    const tel = contact.ele('gmd:phone').ele('gmd:CI_Telephone');
    for (const phone of phones) text(ctx, tel, 'gmd:voice', phone);
  }
  const emails = (p.emails ?? []).filter(has);
  if (hasAddress(p.address) || emails.length > 0) {
    const addr = contact.ele('gmd:address').ele('gmd:CI_Address');
    const a = p.address ?? {};
    for (const line of a.deliveryPoint ?? []) text(ctx, addr, 'gmd:deliveryPoint', line);
    text(ctx, addr, 'gmd:city', a.city);
    text(ctx, addr, 'gmd:administrativeArea', a.administrativeArea);
    text(ctx, addr, 'gmd:postalCode', a.postalCode);
    text(ctx, addr, 'gmd:country', a.country);
    for (const email of emails) text(ctx, addr, 'gmd:electronicMailAddress', email);
  }
  if (has(p.url)) onlineResource(ctx, contact, 'gmd:onlineResource', { url: p.url });
}

/** A CI_OnlineResource property; the linkage (gmd:URL) is mandatory. */
export function onlineResource(ctx: WriteContext, parent: Node, name: string, r: OnlineResource): void {
  const or = parent.ele(name).ele('gmd:CI_OnlineResource');
  const linkage = or.ele('gmd:linkage');
  if (has(r.url)) setText(linkage.ele('gmd:URL'), toAnyUri(r.url));
  else linkage.att('gco:nilReason', 'missing');
  text(ctx, or, 'gmd:protocol', r.protocol);
  text(ctx, or, 'gmd:applicationProfile', r.applicationProfile);
  text(ctx, or, 'gmd:name', r.name);
  text(ctx, or, 'gmd:description', r.description);
  if (has(r.function)) codeList(or, 'gmd:function', 'gmd:CI_OnLineFunctionCode', r.function);
}
