/**
 * PostgreSQL adapter over a pg.Pool. A `schema` option confines the store to one schema (created if
 * missing) through the search_path of every pooled connection: tests give each file its own schema.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Connection, Driver, QueryOptions, QueryResult, StoreLogger } from '../db.ts';

const INT8 = 20;

/** int8 as a number, like PGlite; beyond 2^53 a BigInt rather than a silently rounded number. */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Schema names are interpolated into SQL and connection options, so only plain identifiers pass. */
function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lower-case letters, digits and _ (max 63)`);
  }
  return schema;
}

/**
 * Statement names of prepared queries, by text. A name is derived from the text (a name must always mean the
 * same text on a connection); past MAX_PREPARED distinct texts, further ones run unprepared, so that a caller
 * preparing texts from an open set cannot fill every connection with statements.
 */
const prepared = new Map<string, string>();
const MAX_PREPARED = 256;

/** Texts given a new name because a table they read changed shape (see `query`): part of the next name. */
let renamed = 0;

function statementName(text: string, opts?: QueryOptions): string | undefined {
  if (!opts?.prepare) return undefined;
  let name = prepared.get(text);
  if (!name && prepared.size < MAX_PREPARED) {
    name = `moisson_${createHash('sha1').update(text).digest('hex').slice(0, 20)}${renamed > 0 ? `_${renamed}` : ''}`;
    prepared.set(text, name);
  }
  return name;
}

/** "cached plan must not change result type": a migration (maybe another hub's) added a column to a table read with `*`. */
function planChangedShape(err: unknown): boolean {
  return (err as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((err as Error).message));
}

function connection(client: pg.Pool | pg.PoolClient): Connection {
  return {
    async query<R>(text: string, values?: unknown[], opts?: QueryOptions): Promise<QueryResult<R>> {
      const name = statementName(text, opts);
      let r: pg.QueryResult;
      try {
        r = name ? await client.query({ name, text, values }) : await client.query(text, values);
      } catch (err) {
        if (!name || !planChangedShape(err)) throw err;
        // Each connection keeps the old statement under its name: the text gets a new one, parsed afresh.
        prepared.delete(text);
        renamed += 1;
        const again = statementName(text, opts);
        r = again ? await client.query({ name: again, text, values }) : await client.query(text, values);
      }
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

async function transaction<T>(pool: pg.Pool, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(connection(client));
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackErr) {
      // The connection is in an unknown state: drop it from the pool rather than reuse it.
      client.release(rollbackErr as Error);
    }
    throw err;
  }
}

/** Opens a pool on `url`; with `schema`, creates it and pins search_path on every connection. */
export async function openPgDriver(url: string, schema?: string, logger?: StoreLogger): Promise<Driver> {
  const config: pg.PoolConfig = { connectionString: url, types: typeParsers };
  if (schema) {
    const bootstrap = new pg.Client({ connectionString: url });
    await bootstrap.connect();
    try {
      await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${checkSchemaName(schema)}`);
    } finally {
      await bootstrap.end();
    }
    // A startup parameter, so it holds from the connection's first statement on.
    config.options = `-c search_path=${schema}`;
  }
  const pool = new pg.Pool(config);
  // An idle client losing its server must not crash the process; the next query reports the problem.
  pool.on('error', (err) => (logger ?? console).warn(`PostgreSQL connection lost while idle: ${err.message}`));
  const root = connection(pool);
  return {
    kind: 'pg',
    query: root.query,
    exec: root.exec,
    transaction: (fn) => transaction(pool, fn),
    close: () => pool.end(),
  };
}
