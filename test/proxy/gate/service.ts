/** Service definitions for the gate tests: the defaults the schema would fill, short limits. */
import type { ServiceDef } from '../../../src/store/services.ts';

let n = 0;

export function service(url: string, over: Partial<ServiceDef> = {}): ServiceDef {
  n += 1;
  return {
    id: `svc-${process.pid}-${n}`,
    protocol: 'wms',
    url,
    enabled: true,
    access: 'public',
    politeness: { concurrency: 4, timeoutMs: 2000, maxBytes: 1_000_000 },
    cache: { tiles: false, maxAgeSeconds: 86400, staleIfError: true, seeding: false },
    ...over,
  };
}

/** Reads a body stream whole (small test bodies only). */
export async function text(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}
