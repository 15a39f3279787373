/**
 * Migration 7: the proxied services (DESIGN.md §8), the access keys of restricted services and the usage
 * counters. A service keeps its searchable columns apart and the rest of its definition (politeness, cache
 * policy, attribution, tile layers, upstream headers, options) as jsonb. Keys are stored as the SHA-256 of
 * their secret. Usage rows have no foreign key: statistics outlive a removed service or key.
 */
export const services = `
CREATE TABLE services (
  id          text PRIMARY KEY,
  protocol    text NOT NULL CHECK (protocol IN ('wms', 'wfs', 'wmts', 'tms', 'xyz', 'atom-download')),
  url         text NOT NULL,
  title       text,
  enabled     boolean NOT NULL DEFAULT true,
  access      text NOT NULL DEFAULT 'public' CHECK (access IN ('public', 'restricted')),
  definition  jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE access_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  hash        text NOT NULL UNIQUE,
  services    text[],
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE service_usage (
  day         date NOT NULL,
  service_id  text NOT NULL,
  layer       text NOT NULL DEFAULT '',
  key_id      text NOT NULL DEFAULT '',
  status      integer NOT NULL,
  requests    bigint NOT NULL DEFAULT 0,
  bytes       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, service_id, layer, key_id, status)
);
CREATE INDEX service_usage_service_idx ON service_usage (service_id, day);
`;
