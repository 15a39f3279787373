import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../../src/errors.ts';
import { upstreamFor } from '../../../src/proxy/clients/upstream.ts';
import {
  InvalidServiceError, REDACTED, keepStoredHeaders, parseService, redactService,
} from '../../../src/proxy/services-def.ts';
import { reply, startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { service } from '../gate/service.ts';

const keyed = (headers: Record<string, string> | undefined) =>
  parseService({ id: 'keyed', protocol: 'wms', url: 'https://data.example.org/wms', ...(headers ? { upstreamHeaders: headers } : {}) });

describe('redacting upstream header values', () => {
  it('replaces every value by "***", keeps the names and leaves the definition it was given alone', () => {
    const def = keyed({ 'X-Api-Key': 'secret-1', Authorization: 'Bearer secret-2' });
    const copy = structuredClone(def);
    const shown = redactService(def);
    expect(shown.upstreamHeaders).toEqual({ 'X-Api-Key': REDACTED, Authorization: REDACTED });
    expect(JSON.stringify(shown)).not.toMatch(/secret-/);
    expect({ ...shown, upstreamHeaders: def.upstreamHeaders }).toEqual(def);
    expect(def).toEqual(copy);
    expect(redactService(keyed(undefined))).toEqual(keyed(undefined));
  });

  it('puts the stored value back for "***", takes new values and drops headers left out', () => {
    const stored = keyed({ 'X-Api-Key': 'secret-1', 'X-Tenant': 'secret-2' });
    const edited = keyed({ 'x-api-key': REDACTED, 'X-New': 'secret-3' });
    expect(keepStoredHeaders(edited, stored).upstreamHeaders).toEqual({ 'x-api-key': 'secret-1', 'X-New': 'secret-3' });
    expect(edited.upstreamHeaders).toEqual({ 'x-api-key': REDACTED, 'X-New': 'secret-3' });
    const plain = keyed({ 'X-Api-Key': 'other' });
    expect(keepStoredHeaders(plain, stored)).toBe(plain);
  });

  it('refuses "***" with no stored value to keep, naming each header and the service', () => {
    const edited = keyed({ 'X-Api-Key': REDACTED, 'X-Gone': REDACTED, 'X-Plain': 'v' });
    for (const stored of [keyed({ 'X-Api-Key': 'secret-1' }), null]) {
      let problems: unknown = null;
      try {
        keepStoredHeaders(edited, stored, { prefix: 'services.json#services[0].' });
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidServiceError);
        problems = (err as InvalidServiceError).problems;
      }
      const gone = { path: 'services.json#services[0].upstreamHeaders.X-Gone', message: "'***' keeps a stored value, but service keyed has none" };
      expect(problems).toEqual(stored ? [gone] : [{ ...gone, path: 'services.json#services[0].upstreamHeaders.X-Api-Key' }, gone]);
    }
  });
});

describe('the upstream client and the redaction marker', () => {
  let up: TestServer;
  beforeAll(async () => {
    up = await startTestServer([{ path: '/wms', handler: reply(200, 'ok') }]);
  });
  afterAll(() => up.close());

  it('refuses to send "***" upstream in place of a header value, before connecting', async () => {
    const redacted = redactService(service(`${up.url}/wms`, { upstreamHeaders: { 'X-Api-Key': 'secret-1' } }));
    const err = await upstreamFor(redacted).request({ url: new URL('/wms', up.url) }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err).toMatchObject({ code: 'upstream_refused', message: expect.stringContaining('upstreamHeaders.X-Api-Key') });
    expect(up.requests).toEqual([]);
  });
});
