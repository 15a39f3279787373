/** CI_ResponsibleParty (and profile subclasses such as che:CHE_CI_ResponsibleParty) -> ResponsibleParty. */
import type { Address, ResponsibleParty } from '../types.ts';
import { first, firstElement, select, type XmlElement } from '../xml/index.ts';
import { assign, code, gmd, text, textAt, texts, translations, warn, type ReadContext } from './read-context.ts';

/** The parties held by a list of properties (gmd:contact, gmd:pointOfContact…); empty ones are skipped. */
export function readParties(ctx: ReadContext, props: XmlElement[]): ResponsibleParty[] {
  const out: ResponsibleParty[] = [];
  for (const prop of props) {
    const party = firstElement(prop);
    if (party) out.push(readParty(ctx, party));
  }
  return out;
}

function readParty(ctx: ReadContext, party: XmlElement): ResponsibleParty {
  const contact = first(party, gmd('contactInfo'), gmd('CI_Contact'));
  const organisation = first(party, gmd('organisationName'));
  const out: ResponsibleParty = { role: role(ctx, party) };
  assign(out, 'individualName', textAt(party, gmd('individualName')));
  assign(out, 'organisationName', text(organisation));
  assign(out, 'organisationNameTranslations', translations(ctx, organisation));
  assign(out, 'positionName', textAt(party, gmd('positionName')));
  const address = first(contact, gmd('address'), gmd('CI_Address'));
  const emails = texts(select(address, gmd('electronicMailAddress')));
  if (emails.length) out.emails = emails;
  const phones = texts(select(contact, gmd('phone'), gmd('CI_Telephone'), gmd('voice')));
  if (phones.length) out.phones = phones;
  assign(out, 'address', readAddress(address));
  assign(out, 'url', textAt(contact, gmd('onlineResource'), gmd('CI_OnlineResource'), gmd('linkage')));
  return out;
}

/** A missing role is defaulted to pointOfContact (ISO's catch-all) and reported. */
function role(ctx: ReadContext, party: XmlElement): string {
  const value = code(first(party, gmd('role')));
  if (value) return value;
  warn(ctx, party, 'responsible party without role: pointOfContact assumed');
  return 'pointOfContact';
}

function readAddress(address: XmlElement | undefined): Address | undefined {
  if (!address) return undefined;
  const out: Address = {};
  const deliveryPoint = texts(select(address, gmd('deliveryPoint')));
  if (deliveryPoint.length) out.deliveryPoint = deliveryPoint;
  assign(out, 'city', textAt(address, gmd('city')));
  assign(out, 'administrativeArea', textAt(address, gmd('administrativeArea')));
  assign(out, 'postalCode', textAt(address, gmd('postalCode')));
  assign(out, 'country', textAt(address, gmd('country')));
  return Object.keys(out).length ? out : undefined;
}
