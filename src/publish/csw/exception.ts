/**
 * OWS 1.0.0 ExceptionReport (OGC 06-121r3 §8; CSW 2.0.2 reports errors with version="1.2.0", OGC 07-006r1
 * §10.3.7): the exceptionCode comes from the error catalogue (src/errors.ts), the locator names the parameter
 * at fault, the text is the error's public message. The logged cause and any stack trace never get here.
 */
import { catalogue, HubError, type ErrorCode } from '../../errors.ts';
import { NS_OWS, NS_XSI, OWS_EXCEPTION_SCHEMA_LOCATION } from './namespaces.ts';
import { attribute, newRoot, serialize, textElement } from './xml.ts';

/** An error to report: a HubError, or its three public parts. */
export interface OwsError {
  code: ErrorCode;
  message: string;
  locator?: string;
}

/** The exceptionCode an error is reported with (OWS 1.0.0 Table 25 names). */
export function owsExceptionCode(code: ErrorCode): string {
  return catalogue[code].ows;
}

/** An ows:ExceptionReport document (UTF-8, with XML declaration) for one error. */
export function exceptionReport(err: HubError | OwsError): string {
  const root = newRoot(NS_OWS, 'ows:ExceptionReport', { ows: NS_OWS, xsi: NS_XSI })
    .att('version', '1.2.0')
    .att('language', 'en')
    .att('xsi:schemaLocation', OWS_EXCEPTION_SCHEMA_LOCATION);
  const exception = root.ele('ows:Exception').att('exceptionCode', owsExceptionCode(err.code));
  if (err.locator) attribute(exception, 'locator', err.locator);
  // The public message only: HubError keeps the cause apart, and `internal` errors carry a generic text.
  textElement(exception, 'ows:ExceptionText', err.message || catalogue[err.code].title);
  return serialize(root);
}
