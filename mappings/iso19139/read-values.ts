/**
 * Typed values of ISO 19139 properties: gco:Date / gco:DateTime, gco:Decimal / Integer / Real, gco:Boolean.
 * A value that does not parse is dropped with a warning (never NaN, never an invalid date in the record).
 */
import { firstElement, textOf, type XmlElement } from '../xml/index.ts';
import { warn, type ReadContext } from './read-context.ts';

const ISO_DATE = /^-?\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const DAY_FIRST = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * An ISO 8601 string matching the record schema's isoDate, or undefined. Accepts the variants met in French
 * catalogues (15/09/2014, 20140915) and checks month and day ranges.
 */
export function normaliseDate(raw: string | undefined): string | undefined {
  const s = raw?.trim();
  if (!s) return undefined;
  const day = DAY_FIRST.exec(s);
  const compact = COMPACT.exec(s);
  const candidate = day
    ? `${day[3]}-${day[2].padStart(2, '0')}-${day[1].padStart(2, '0')}`
    : compact
      ? `${compact[1]}-${compact[2]}-${compact[3]}`
      : s;
  if (!ISO_DATE.test(candidate)) return undefined;
  const month = Number(candidate.slice(5, 7) || '1');
  const dayOfMonth = Number(candidate.slice(8, 10) || '1');
  return month >= 1 && month <= 12 && dayOfMonth >= 1 && dayOfMonth <= 31 ? candidate : undefined;
}

/** The date in a gmd date property (gco:Date, gco:DateTime, or bare text); warns when unreadable. */
export function dateValue(ctx: ReadContext, prop: XmlElement | undefined): string | undefined {
  if (!prop) return undefined;
  const value = firstElement(prop);
  const raw = (value ? textOf(value) : textOf(prop)).trim();
  if (!raw) return undefined;
  const date = normaliseDate(raw);
  if (!date) warn(ctx, value ?? prop, `unparseable date "${raw}" dropped`);
  return date;
}

/** A gco:Decimal / Integer / Real / Distance / Scale as a number; empty or non-numeric values are dropped. */
export function numberValue(ctx: ReadContext, prop: XmlElement | undefined): number | undefined {
  if (!prop) return undefined;
  const value = firstElement(prop) ?? prop;
  const raw = textOf(value).trim();
  // A decimal comma is a frequent slip in hand-edited French records.
  const n = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw.replace(',', '.')) : Number.NaN;
  if (Number.isFinite(n)) return n;
  warn(ctx, value, raw ? `non-numeric value "${raw}" dropped` : 'empty number dropped');
  return undefined;
}

/** gco:Boolean: true / false, or null when absent or nil (gco:nilReason), as DQ_ConformanceResult/pass allows. */
export function booleanValue(prop: XmlElement | undefined): boolean | null {
  const raw = prop ? textOf(firstElement(prop) ?? prop).trim().toLowerCase() : '';
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return null;
}
