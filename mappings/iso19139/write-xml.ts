/**
 * Low-level ISO 19139 writing helpers shared by the section writers (write-*.ts): character strings with
 * anchors and PT_FreeText, code lists, gco dates and numbers, nil properties.
 *
 * Every helper appends to an xmlbuilder2 node whose document declares the prefixes of ISO19139_PREFIXES on
 * the root, so qualified names such as 'gco:CharacterString' resolve to their namespace.
 */
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { AnchoredText, Translations } from '../types.ts';
import { ISO19139_CODELISTS } from './namespaces.ts';
import { toAnyUri } from './write-uri.ts';

export type Node = XMLBuilder;

/** gco:nilReason values used by the writer (gml:NilReasonEnumeration). */
export type NilReason = 'missing' | 'unknown' | 'inapplicable';

/** Document-wide state: PT_Locale ids by language code, and the xs:ID values already used. */
export interface WriteContext {
  localeIds: Map<string, string>;
  usedIds: Set<string>;
  /** gml:TimePeriod elements written so far (their gml:id is period1, period2…). */
  periods: number;
}

/** INSPIRE's register for ISO 639-2/B language codes (the value every European catalogue writes). */
const LANGUAGE_CODELIST = 'http://www.loc.gov/standards/iso639-2/';

const has = (s: string | undefined | null): s is string => typeof s === 'string' && s.trim() !== '';

/** An empty property element carrying gco:nilReason: how ISO 19139 says "mandatory but unknown". */
export function nil(parent: Node, name: string, reason: NilReason = 'missing'): Node {
  return parent.ele(name).att('gco:nilReason', reason);
}

/** A new xs:ID unique in the document (gml:id, PT_Locale/@id share one ID space). */
export function uniqueId(ctx: WriteContext, base: string): string {
  let candidate = toNcName(base);
  for (let n = 2; ctx.usedIds.has(candidate); n++) candidate = `${toNcName(base)}_${n}`;
  ctx.usedIds.add(candidate);
  return candidate;
}

/** xs:ID values must be NCNames: no colon, no space, not starting with a digit, hyphen or dot. */
function toNcName(s: string): string {
  const body = s.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^[A-Za-z_]/.test(body) ? body : `_${body}`;
}

/**
 * xmlbuilder2 (4.x) does not escape an '&' that already looks like a reference ("&gt;", "&amp;", "&#65;",
 * even an undefined "&foo;"): harvested text that contains such sequences literally (double-escaped
 * producers) would be decoded on the next read, or make the document ill-formed. Those ampersands are
 * escaped here and the builder leaves the result alone. Carriage returns, which any parser would turn into
 * line feeds, are written as character references — in attributes tabs and line feeds too (attribute value
 * normalisation would make them spaces).
 */
export function escapeForBuilder(s: string, inAttribute = false): string {
  const out = s.replace(/&(?=[A-Za-z]+;|#\d+;)/g, '&amp;').replace(/\r/g, '&#13;');
  return inAttribute ? out.replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : out;
}

/** Sets harvested text as the content of `node` (see escapeForBuilder). */
export function setText(node: Node, s: string): Node {
  return node.txt(escapeForBuilder(s));
}

/** Sets a harvested value as an attribute of `node` (see escapeForBuilder). */
export function setAttribute(node: Node, name: string, s: string): Node {
  return node.att(name, escapeForBuilder(s, true));
}

/** gco:CharacterString, or gmx:Anchor when the value carries a URI. */
function stringValue(prop: Node, value: AnchoredText): void {
  if (has(value.href)) setText(setAttribute(prop.ele('gmx:Anchor'), 'xlink:href', toAnyUri(value.href)), value.text);
  else setText(prop.ele('gco:CharacterString'), value.text);
}

/**
 * A CharacterString_PropertyType element. Absent or blank text gives gco:nilReason (when `nilReason` is
 * given) or nothing at all. Translations make it a PT_FreeText_PropertyType (ISO 19139 7.3), which needs the
 * xsi:type for schema validation.
 */
export function text(
  ctx: WriteContext,
  parent: Node,
  name: string,
  value: string | AnchoredText | undefined,
  opts: { translations?: Translations; nilReason?: NilReason } = {},
): void {
  const v: AnchoredText | undefined = typeof value === 'string' ? { text: value } : value;
  const translated = sortedEntries(opts.translations).filter(([, t]) => has(t));
  // An Anchor carries its meaning in the URI: keep it even when its label is empty.
  const present = v !== undefined && (has(v.text) || has(v.href));
  if (!present && translated.length === 0) {
    if (opts.nilReason) nil(parent, name, opts.nilReason);
    return;
  }
  const prop = parent.ele(name);
  if (translated.length > 0) prop.att('xsi:type', 'gmd:PT_FreeText_PropertyType');
  if (present) stringValue(prop, v!);
  else prop.att('gco:nilReason', opts.nilReason ?? 'missing');
  if (translated.length === 0) return;
  const freeText = prop.ele('gmd:PT_FreeText');
  for (const [lang, t] of translated) {
    const localised = freeText.ele('gmd:textGroup').ele('gmd:LocalisedCharacterString');
    setText(localised.att('locale', `#${localeId(ctx, lang)}`), t);
  }
}

/** Translations in a stable order, so that equal records give equal bytes whatever their key order. */
function sortedEntries(translations: Translations | undefined): [string, string][] {
  return Object.entries(translations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The PT_Locale id of a language (declared up front by the metadata writer; created on demand otherwise). */
export function localeId(ctx: WriteContext, lang: string): string {
  let id = ctx.localeIds.get(lang);
  if (id === undefined) {
    id = uniqueId(ctx, lang.toUpperCase());
    ctx.localeIds.set(lang, id);
  }
  return id;
}

/**
 * A code list property: `<prop><gmd:CI_RoleCode codeList="…#CI_RoleCode" codeListValue="v">v</…></prop>`.
 * `element` is the qualified code list element (its local name is the code list name in gmxCodelists.xml).
 */
export function codeList(parent: Node, name: string, element: string, value: string | undefined): void {
  if (!has(value)) {
    nil(parent, name);
    return;
  }
  const listName = element.slice(element.indexOf(':') + 1);
  const el = parent.ele(name).ele(element).att('codeList', `${ISO19139_CODELISTS}#${listName}`);
  setText(setAttribute(el, 'codeListValue', toAnyUri(value)), value);
}

/** A gmd:LanguageCode property (ISO 639-2/B register); nil when the language is unknown. */
export function language(parent: Node, name: string, code: string | undefined): void {
  if (!has(code)) {
    nil(parent, name);
    return;
  }
  const el = parent.ele(name).ele('gmd:LanguageCode').att('codeList', LANGUAGE_CODELIST);
  setText(setAttribute(el, 'codeListValue', toAnyUri(code)), code);
}

/** A gco:Boolean property; null means "not evaluated" (INSPIRE: nilReason on the pass element). */
export function boolean(parent: Node, name: string, value: boolean | null): void {
  if (value === null) nil(parent, name, 'unknown');
  else parent.ele(name).ele('gco:Boolean').txt(String(value));
}

/** A gco:Decimal property; non-finite numbers cannot be written and become nil. */
export function decimal(parent: Node, name: string, value: number): void {
  const lexical = decimalLexical(value);
  if (lexical === undefined) nil(parent, name);
  else parent.ele(name).ele('gco:Decimal').txt(lexical);
}

/** xs:decimal has no exponent form: String(1e-7) is "1e-7", which the schema rejects. */
export function decimalLexical(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const s = String(value);
  if (!/e/i.test(s)) return s;
  const fixed = value.toFixed(20);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

export { has };
