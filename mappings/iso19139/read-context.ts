/**
 * Shared state and value readers for the ISO 19139 reader (read-*.ts): character strings and anchors,
 * PT_FreeText translations, code lists, gco dates, numbers and booleans. Every value that cannot be read is
 * dropped with an issue naming its XML location; nothing here throws.
 */
import type { AnchoredText, MappingIssue, Translations } from '../types.ts';
import { attribute, first, firstElement, locate, textOf, type Step, type XmlElement } from '../xml/index.ts';
import { NS_GCO, NS_GMD, NS_GMX, NS_XLINK } from './namespaces.ts';

/** Per-document state: the record root (locations start there), locale ids, the issues found. */
export interface ReadContext {
  root: XmlElement;
  /** PT_Locale/@id (with and without '#') -> language code. */
  locales: Map<string, string>;
  issues: MappingIssue[];
}

export const gmd = (local: string): Step => [NS_GMD, local];
export const gco = (local: string): Step => [NS_GCO, local];
export const ANY: Step = ['*', '*'];

export function warn(ctx: ReadContext, el: XmlElement, message: string): void {
  ctx.issues.push({ severity: 'warning', path: locate(el, ctx.root), message });
}

export function error(ctx: ReadContext, el: XmlElement, message: string): void {
  ctx.issues.push({ severity: 'error', path: locate(el, ctx.root), message });
}

/** Normalised text: trimmed, undefined when empty. */
function clean(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/**
 * The text of a property holding gco:CharacterString, gmx:Anchor, gmx:FileName, gmx:MimeFileType or any other
 * character-string substitute (the property's single child); bare text when a producer left the wrapper out.
 */
export function text(prop: XmlElement | undefined): string | undefined {
  if (!prop) return undefined;
  const value = valueElement(prop);
  if (value === null) return undefined;
  return clean(value ? textOf(value) : textOf(prop));
}

/**
 * The character-string child of a property; null when the property only holds a PT_FreeText (its texts are
 * translations, read by `translations`), undefined when it has no child element at all.
 */
function valueElement(prop: XmlElement): XmlElement | null | undefined {
  const value = firstElement(prop);
  if (!value || !(value.uri === NS_GMD && value.local === 'PT_FreeText')) return value;
  return null;
}

/** Text and, for a gmx:Anchor, its xlink:href. */
export function anchored(prop: XmlElement | undefined): AnchoredText | undefined {
  const value = prop && valueElement(prop);
  const t = text(prop);
  if (t === undefined) return undefined;
  const href = value && value.uri === NS_GMX ? clean(attribute(value, NS_XLINK, 'href')) : undefined;
  return href ? { text: t, href } : { text: t };
}

/** Text of the first matching child property. */
export function textAt(el: XmlElement | undefined, ...steps: Step[]): string | undefined {
  return text(first(el, ...steps));
}

/** Every non-empty text of the matching properties. */
export function texts(props: XmlElement[]): string[] {
  return props.map(text).filter((t): t is string => t !== undefined);
}

/**
 * PT_FreeText translations of a property, keyed by the language of the PT_Locale its `#id` points to (or the
 * id itself, minus '#', when no such locale is declared: GeoNetwork writes "#FR", "#EN").
 */
export function translations(ctx: ReadContext, prop: XmlElement | undefined): Translations | undefined {
  const groups = prop?.children ?? [];
  let out: Translations | undefined;
  for (const c of groups) {
    if (typeof c === 'string' || c.local !== 'PT_FreeText' || c.uri !== NS_GMD) continue;
    for (const s of selectLocalised(c)) {
      const value = clean(textOf(s));
      const ref = attribute(s, '', 'locale');
      if (!value || !ref) continue;
      (out ??= {})[ctx.locales.get(ref) ?? ref.replace(/^#/, '').toLowerCase()] = value;
    }
  }
  return out;
}

function selectLocalised(freeText: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const g of freeText.children) {
    if (typeof g === 'string' || g.local !== 'textGroup' || g.uri !== NS_GMD) continue;
    for (const s of g.children) if (typeof s !== 'string' && s.local === 'LocalisedCharacterString') out.push(s);
  }
  return out;
}

/** A code list value: @codeListValue, else the element's text (MD_TopicCategoryCode is text only). */
export function code(prop: XmlElement | undefined): string | undefined {
  const value = firstElement(prop);
  if (!value) return clean(prop ? textOf(prop) : undefined);
  return clean(attribute(value, '', 'codeListValue')) ?? clean(textOf(value));
}

/** Language code as found, lower-cased; "eng; CAN" (NOAA) keeps its language part. */
export function language(prop: XmlElement | undefined): string | undefined {
  const raw = code(prop);
  if (!raw) return undefined;
  const m = /^([A-Za-z]{2,3})(?:\s*[;,_-]|$)/.exec(raw);
  return m ? m[1].toLowerCase() : raw;
}

/** Sets an optional property only when there is a value (the schema forbids explicit undefined/null). */
export function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
