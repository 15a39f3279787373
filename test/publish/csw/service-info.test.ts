/**
 * What the hub says about itself comes from the deployment (HUB_TITLE, HUB_ORGANISATION, HUB_CONTACT_EMAIL):
 * the CSW capabilities, the hub's own service record and the DCAT catalogue all carry it.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createApp } from '../../../src/http/app.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import { backends, useStore } from '../../helpers/db.ts';

describe('hub identity in the published services', () => {
  const store = useStore(backends[0], import.meta.url);

  it('reads HUB_* from the environment and rejects a malformed contact address', () => {
    const config = loadConfig({ HUB_TITLE: 'Catalogue OPenIG', HUB_ORGANISATION: 'OPenIG', HUB_CONTACT_EMAIL: 'contact@openig.org' });
    expect(config).toMatchObject({ hubTitle: 'Catalogue OPenIG', hubOrganisation: 'OPenIG', hubContactEmail: 'contact@openig.org' });
    expect(() => loadConfig({ HUB_CONTACT_EMAIL: 'nobody' })).toThrow(/HUB_CONTACT_EMAIL/);
  });

  it('puts them in the CSW capabilities, the service record and the DCAT catalogue', async () => {
    const app = createApp({
      db: store.db, logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }),
      config: { baseUrl: 'https://hub.openig.org', hubTitle: 'Catalogue <OPenIG>', hubOrganisation: 'OPenIG', hubContactEmail: 'contact@openig.org' },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const caps = await (await fetch(`${base}/csw?service=CSW&request=GetCapabilities`)).text();
      expect(caps).toContain('<ows:Title>Catalogue &lt;OPenIG&gt;</ows:Title>');
      expect(caps).toContain('<ows:ProviderName>OPenIG</ows:ProviderName>');
      expect(caps).toContain('contact@openig.org');
      const record = await (await fetch(`${base}/csw?service=CSW&version=2.0.2&request=GetRecordById&id=moisson-csw&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full`)).text();
      expect(record).toContain('Catalogue &lt;OPenIG&gt;');
      expect(record).toContain('contact@openig.org');
      const catalog = await (await fetch(`${base}/catalog.ttl`)).text();
      expect(catalog).toContain('Catalogue <OPenIG>');
      expect(catalog).toContain('OPenIG');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
