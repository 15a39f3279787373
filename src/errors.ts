/**
 * The error catalogue: every error that reaches a client or an admin has a stable code, an HTTP status,
 * an OGC exceptionCode (for the OWS dialect) and a public message, kept apart from the logged cause.
 * Each protocol renders it in its own dialect (JSON here; OWS ExceptionReport in the OGC publishers).
 */

export interface ErrorSpec {
  status: number;
  /** OWS 1.0 exceptionCode used when the error is rendered as an ExceptionReport. */
  ows: string;
  title: string;
}

export const catalogue = {
  not_found: { status: 404, ows: 'InvalidParameterValue', title: 'Not found' },
  record_not_found: { status: 404, ows: 'InvalidParameterValue', title: 'Record not found' },
  source_not_found: { status: 404, ows: 'InvalidParameterValue', title: 'Source not found' },
  run_not_found: { status: 404, ows: 'InvalidParameterValue', title: 'Harvest run not found' },
  invalid_parameter: { status: 400, ows: 'InvalidParameterValue', title: 'Invalid parameter' },
  missing_parameter: { status: 400, ows: 'MissingParameterValue', title: 'Missing parameter' },
  unknown_parameter: { status: 400, ows: 'InvalidParameterValue', title: 'Unknown parameter' },
  operation_not_supported: { status: 400, ows: 'OperationNotSupported', title: 'Operation not supported' },
  version_negotiation_failed: { status: 400, ows: 'VersionNegotiationFailed', title: 'Version negotiation failed' },
  invalid_body: { status: 400, ows: 'InvalidParameterValue', title: 'Invalid request body' },
  invalid_source: { status: 422, ows: 'InvalidParameterValue', title: 'Invalid source definition' },
  invalid_service: { status: 422, ows: 'InvalidParameterValue', title: 'Invalid service definition' },
  key_not_found: { status: 404, ows: 'InvalidParameterValue', title: 'Access key not found' },
  conflict: { status: 409, ows: 'NoApplicableCode', title: 'Conflict' },
  unauthorized: { status: 401, ows: 'NoApplicableCode', title: 'Authentication required' },
  forbidden: { status: 403, ows: 'NoApplicableCode', title: 'Forbidden' },
  admin_disabled: { status: 403, ows: 'NoApplicableCode', title: 'Admin API disabled' },
  not_acceptable: { status: 406, ows: 'InvalidParameterValue', title: 'Not acceptable' },
  payload_too_large: { status: 413, ows: 'NoApplicableCode', title: 'Request body too large' },
  not_ready: { status: 503, ows: 'NoApplicableCode', title: 'Not ready' },
  search_unavailable: { status: 503, ows: 'NoApplicableCode', title: 'Search unavailable' },
  service_not_found: { status: 404, ows: 'InvalidParameterValue', title: 'Service not found' },
  upstream_refused: { status: 502, ows: 'NoApplicableCode', title: 'Upstream address refused' },
  upstream_unavailable: { status: 502, ows: 'NoApplicableCode', title: 'Upstream unavailable' },
  upstream_too_large: { status: 502, ows: 'NoApplicableCode', title: 'Upstream response too large' },
  upstream_timeout: { status: 504, ows: 'NoApplicableCode', title: 'Upstream timeout' },
  tile_not_found: { status: 404, ows: 'TileOutOfRange', title: 'Tile not found' },
  range_not_satisfiable: { status: 416, ows: 'InvalidParameterValue', title: 'Range not satisfiable' },
  hub_unreachable: { status: 502, ows: 'NoApplicableCode', title: 'Hub process unreachable' },
  internal: { status: 500, ows: 'NoApplicableCode', title: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof catalogue;

/** An error meant for a client: `message` is public, `cause` is only logged. */
export class HubError extends Error {
  readonly code: ErrorCode;
  /** The parameter, path or element the error is about (OWS `locator`). */
  readonly locator?: string;
  readonly details?: unknown;
  /** Response headers every dialect must send with this error (e.g. WWW-Authenticate on a 401). */
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string,
    opts: { locator?: string; details?: unknown; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'HubError';
    this.code = code;
    this.locator = opts.locator;
    this.details = opts.details;
    if (opts.headers) this.headers = opts.headers;
  }

  get status(): number {
    return catalogue[this.code].status;
  }
}

/** Turns anything thrown into a HubError; unknown errors become `internal` with a generic public message. */
export function toHubError(err: unknown): HubError {
  if (err instanceof HubError) return err;
  const status = (err as { status?: number; expose?: boolean })?.status;
  if (status === 413) return new HubError('payload_too_large', 'The request body is too large.', { cause: err });
  if (status && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) {
    return new HubError('invalid_body', (err as Error).message, { cause: err });
  }
  return new HubError('internal', 'An internal error occurred; it has been logged.', { cause: err });
}

/** JSON rendering shared by the JSON APIs. */
export function errorJson(err: HubError): Record<string, unknown> {
  const body: Record<string, unknown> = {
    error: err.code,
    title: catalogue[err.code].title,
    status: err.status,
    message: err.message,
  };
  if (err.locator) body.locator = err.locator;
  if (err.details !== undefined) body.details = err.details;
  return body;
}
