/**
 * OGC exception reports on `/ows/{service}`: the hub's own errors rendered in the client's dialect, and the HTTP
 * status of an upstream's exception report.
 *
 * Status of an upstream report that came with HTTP 200 (WMS servers, GeoServer and MapServer do that): the
 * WMS 1.3.0 standard (OGC 06-042, "Service exceptions") defines the report's format and media type but no HTTP
 * status, so it does not mandate 200 either; OWS Common 2.0 (OGC 06-121r9 §8.6, "HTTP STATUS codes for OGC
 * Exceptions") and WMTS 1.0 (OGC 07-057r7, its exception code tables) give each exceptionCode a status:
 * client-side codes → 400, OperationNotSupported and OptionNotSupported → 501, NoApplicableCode → 500. The hub
 * applies that table to every dialect, which HTTP caches and generic clients need (a 200 exception would be
 * cached like a map). The codes WMS 1.3.0, WMTS and WFS 2.0 add (InvalidCRS, LayerNotDefined, TileOutOfRange,
 * OperationParsingFailed…) are request errors: 400; WFS 2.0.2's ResourceNotFound is 404 and
 * OperationProcessingFailed 500. A WMS ServiceException without a code (MapServer's "Incomplete or unsupported
 * WMS request", MapProxy's "unknown WMS request type") is a request error: 400. A report that came with an
 * error status keeps it. A report drawn in an image (WMS EXCEPTIONS=INIMAGE or BLANK) is an image: it keeps
 * the upstream's 200, which is the point of those formats (a map client shows it).
 */
import { SaxesParser } from 'saxes';
import { create } from 'xmlbuilder2';
import { catalogue, type HubError } from '../../errors.ts';
import type { OwsDialect } from './ows-request.ts';

const NS_OGC = 'http://www.opengis.net/ogc';
const NS_OWS11 = 'http://www.opengis.net/ows/1.1';
const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** Media type of every exception report the hub writes (WMS 1.3.0 "XML" format; OWS 1.1 text/xml). */
export const EXCEPTION_MEDIA_TYPE = 'text/xml; charset=UTF-8';

const STATUS_BY_CODE: Record<string, number> = {
  OperationNotSupported: 501,
  OptionNotSupported: 501,
  NoApplicableCode: 500,
  OperationProcessingFailed: 500,
  ResourceNotFound: 404,
};

/** The HTTP status for an exceptionCode (undefined code: a WMS ServiceException without one). */
export function statusForExceptionCode(code: string | undefined): number {
  return (code && STATUS_BY_CODE[code]) || 400;
}

/** The root elements of exception reports: WMS ServiceExceptionReport, OWS ExceptionReport. */
export function isExceptionRoot(local: string | undefined): boolean {
  return local === 'ServiceExceptionReport' || local === 'ExceptionReport';
}

/** The code of the first exception of a report (`code` in WMS, `exceptionCode` in OWS); undefined when it has none. */
export function firstExceptionCode(xml: string): string | undefined {
  let code: string | undefined;
  let seen = false;
  const parser = new SaxesParser({ xmlns: false });
  parser.on('error', () => { seen = true; });
  parser.on('opentag', (tag) => {
    if (seen) return;
    const local = tag.name.slice(tag.name.indexOf(':') + 1);
    if (local !== 'ServiceException' && local !== 'Exception') return;
    seen = true;
    const attr = tag.attributes.code ?? tag.attributes.exceptionCode;
    code = typeof attr === 'string' ? attr.trim() || undefined : undefined;
  });
  try {
    parser.write(xml).close();
  } catch {
    // A broken report: the code read so far, if any.
  }
  return code;
}

/** A hub error as an exception report in the dialect of the request. */
export function renderException(err: HubError, dialect: OwsDialect): string {
  const code = catalogue[err.code].ows;
  if (dialect === 'wms') {
    const root = create({ version: '1.0', encoding: 'UTF-8' })
      .ele(NS_OGC, 'ServiceExceptionReport', { version: '1.3.0' })
      .att('xmlns:xsi', NS_XSI)
      .att(NS_XSI, 'xsi:schemaLocation', `${NS_OGC} http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd`);
    const ex = root.ele(NS_OGC, 'ServiceException', { code });
    if (err.locator) ex.att('locator', err.locator);
    ex.txt(err.message);
    return root.end({ prettyPrint: true });
  }
  const root = create({ version: '1.0', encoding: 'UTF-8' })
    .ele(NS_OWS11, 'ows:ExceptionReport', { version: dialect === 'wfs' ? '2.0.0' : '1.0.0', 'xml:lang': 'en' })
    .att('xmlns:xsi', NS_XSI)
    .att(NS_XSI, 'xsi:schemaLocation', `${NS_OWS11} http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd`);
  const ex = root.ele(NS_OWS11, 'ows:Exception', { exceptionCode: code });
  if (err.locator) ex.att('locator', err.locator);
  ex.ele(NS_OWS11, 'ows:ExceptionText').txt(err.message);
  return root.end({ prettyPrint: true });
}
