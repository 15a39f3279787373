/**
 * ISO 8601 values of the record as the XML Schema lexical forms gco and GML accept.
 *
 * gco:Date is a union of xs:date, xs:gYearMonth and xs:gYear; gco:DateTime is xs:dateTime, which requires
 * seconds, a 'T' separator and a colon in the time zone offset. Harvested dates often have none of these
 * ("2015-12-21 10:00", "2015-12-21T10:00+0200"), and a calendar-impossible value (2021-02-30) fails
 * validation, so every value is checked before it is written.
 */
import { nil, type Node } from './write-xml.ts';

export type XsdDate = { kind: 'date' | 'dateTime'; lexical: string };

const DATE_ONLY = /^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME =
  /^(-?\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The xs:date / xs:gYearMonth / xs:gYear / xs:dateTime lexical form of a record date, or undefined. */
export function toXsdDate(value: string | null | undefined): XsdDate | undefined {
  const s = value?.trim();
  if (!s) return undefined;
  const d = DATE_ONLY.exec(s);
  if (d) return validDay(d[1], d[2], d[3]) ? { kind: 'date', lexical: s } : undefined;
  const t = DATE_TIME.exec(s);
  if (!t || !validDay(t[1], t[2], t[3])) return undefined;
  const [, y, mo, da, h, mi, sec = '00', frac = '', tz = ''] = t;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  const zone = tz.length === 5 ? `${tz.slice(0, 3)}:${tz.slice(3)}` : tz;
  return { kind: 'dateTime', lexical: `${y}-${mo}-${da}T${h}:${mi}:${sec}${frac}${zone}` };
}

function validDay(year: string, month?: string, day?: string): boolean {
  if (month === undefined) return true;
  const m = Number(month);
  if (m < 1 || m > 12) return false;
  if (day === undefined) return true;
  const max = [31, isLeap(Number(year)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  const n = Number(day);
  return n >= 1 && n <= max;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * A gco:Date_PropertyType element: gco:Date or gco:DateTime according to the value, gco:nilReason="missing"
 * when there is none and "unknown" when the value is not a date the schema accepts.
 */
export function gcoDate(parent: Node, name: string, value: string | undefined): void {
  if (value === undefined || value.trim() === '') {
    nil(parent, name, 'missing');
    return;
  }
  const xsd = toXsdDate(value);
  if (!xsd) nil(parent, name, 'unknown');
  else parent.ele(name).ele(xsd.kind === 'date' ? 'gco:Date' : 'gco:DateTime').txt(xsd.lexical);
}
