/**
 * PGlite adapter: embedded PostgreSQL (WASM), one connection, data in a directory or in memory.
 * Not PGlite's node-postgres adapter: the Db seam is small enough to map directly.
 */
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Connection, Driver, QueryResult } from '../db.ts';

/**
 * bytea parameters go as they are: PGlite's Bind message sends a serialized value that is an ArrayBuffer view
 * in binary format, with no text encoding at all (its own bytea serializer builds hex text byte by byte
 * through an array, and even Buffer's hex doubles the size and makes PGlite measure every character). Its
 * typings say serializers return strings: hence the cast where the serializer is registered.
 */
function byteaAsBinary(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameter must be a Buffer or Uint8Array');
  return value;
}

/** bytea arrives as hex text (bytea_output = hex); return a Buffer, as pg does. */
function hexToBuffer(text: string): Buffer {
  return Buffer.from(text.slice(2), 'hex');
}

interface PgliteQueryable {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function connection(target: PgliteQueryable): Connection {
  return {
    async query<R>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
      const r = await target.query<R>(text, values);
      // affectedRows is 0 for a SELECT: report the rows returned, as pg's rowCount does.
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/** Opens PGlite on `dataDir` (a directory, or `memory://…`). */
export async function openPgliteDriver(dataDir: string): Promise<Driver> {
  const pglite = await PGlite.create(dataDir, {
    parsers: { [types.BYTEA]: hexToBuffer },
    serializers: { [types.BYTEA]: byteaAsBinary as unknown as (value: unknown) => string },
    // The embedded search engine's extensions (migration 4): PGlite only offers the contrib extensions it is given.
    extensions: { unaccent, pg_trgm },
  });
  const root = connection(pglite);
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,
    // PGlite's transaction() holds its own mutex: other queries on the instance wait until it ends.
    transaction: (fn) => pglite.transaction((tx) => fn(connection(tx))),
    close: () => pglite.close(),
  };
}
