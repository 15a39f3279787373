// The embedded database's thread (pglite.ts starts it): PGlite runs every statement synchronously on the
// thread that calls it, so in the hub's main thread each page read stopped HTTP for its whole length and used
// one core of the machine; here it runs beside the HTTP server. Plain JavaScript, loaded without tsx (a loader
// would cost the thread ~60 MB); its messages are described in pglite.ts.
//
// Prepared statements (QueryOptions.prepare): PGlite's query() sends an unnamed Parse every time, so PostgreSQL
// planned the catalogue's page query (a lateral join over a table with a dozen indexes) on every call: 1 to 5 ms
// against 0.4 to 1 ms of execution. A statement asked to be prepared is parsed once under a name, then only
// bound and executed, with PGlite's locks held as its query() holds them.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, parse, protocol, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

const { serialize } = protocol;
/** Distinct prepared texts; past this, further texts run unprepared (as the pg adapter does). */
const MAX_PREPARED = 256;
/** SQLSTATE of "cached plan must not change result type" (a table the statement reads changed shape). */
const FEATURE_NOT_SUPPORTED = '0A000';

/**
 * bytea values go as they are: PGlite's Bind sends an ArrayBuffer view in binary format (its own serializer
 * builds hex text byte by byte). bytea comes back as hex text (bytea_output = hex): a Uint8Array of its own,
 * which the main thread turns into a Buffer without copying (a Buffer would lose its class on the way).
 */
function byteaAsBinary(value) {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameter must be a Buffer or Uint8Array');
  return value;
}
function hexToBytes(text) {
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
}

function preparedRunner(pglite) {
  const statements = new Map();
  const exclusive = (fn) => pglite._runExclusiveTransaction(() => pglite._runExclusiveQuery(fn));
  const run = (...messages) => pglite.execProtocolStream(Buffer.concat(messages), { syncToFs: false });

  async function prepare(text) {
    const name = `moisson_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    const messages = await run(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync());
    const description = messages.find((m) => m.name === 'parameterDescription');
    return { name, types: description?.dataTypeIDs ?? [] };
  }

  async function execute(statement, values) {
    const bound = values.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pglite.serializers[statement.types[i]];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await run(serialize.bind({ statement: statement.name, values: bound }),
      serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    return parse.parseResults(messages, pglite.parsers)[0];
  }

  /** The result, or undefined when too many texts are prepared already (the caller runs it plainly). */
  return async (text, values) => {
    if (!statements.has(text) && statements.size >= MAX_PREPARED) return undefined;
    return exclusive(async () => {
      let statement = statements.get(text);
      if (!statement) {
        statement = await prepare(text);
        statements.set(text, statement);
      }
      try {
        return await execute(statement, values);
      } catch (err) {
        if (err?.code !== FEATURE_NOT_SUPPORTED) throw err;
        // The table changed under the kept plan (a migration): prepare the text again, once.
        await run(serialize.close({ type: 'S', name: statement.name }), serialize.sync());
        statement = await prepare(text);
        statements.set(text, statement);
        return execute(statement, values);
      }
    });
  };
}

/** What the main thread needs of an error: PostgreSQL's fields survive, the class does not. */
function errorFields(err) {
  const out = { message: String(err?.message ?? err), name: err?.name ?? 'Error' };
  for (const k of ['code', 'detail', 'hint', 'position', 'severity', 'where', 'schema', 'table', 'column', 'constraint', 'routine']) {
    if (err?.[k] !== undefined) out[k] = err[k];
  }
  return out;
}

const pglite = await PGlite.create(workerData.dataDir, {
  parsers: { [types.BYTEA]: hexToBytes },
  serializers: { [types.BYTEA]: byteaAsBinary },
  // The embedded search engine's extensions (migration 4): PGlite only offers the contrib extensions it is given.
  extensions: { unaccent, pg_trgm },
  // PGlite's own start parameters, then the hub's settings (pglite.ts, PgliteSettings).
  startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${workerData.sharedBuffersMb}MB`],
});
const prepared = preparedRunner(pglite);
/** Open transactions by id: the handle PGlite's transaction() gave, and how to end it. */
const transactions = new Map();
let nextTx = 1;

function rowsOf(result) {
  // affectedRows is 0 for a SELECT: report the rows returned, as pg's rowCount does.
  return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
}

function handleOf(tx) {
  if (tx === undefined) return pglite;
  const open = transactions.get(tx);
  if (!open) throw new Error('This transaction has already ended.');
  return open.handle;
}

async function answer(m) {
  switch (m.op) {
    case 'query': {
      const handle = handleOf(m.tx);
      // Prepared outside transactions only (a transaction's handle has no protocol entry).
      const r = (m.prepare && m.tx === undefined ? await prepared(m.text, m.values ?? []) : undefined)
        ?? await handle.query(m.text, m.values);
      return rowsOf(r);
    }
    case 'exec':
      await handleOf(m.tx).exec(m.sql);
      return null;
    case 'begin': {
      // Open once PGlite's transaction() runs its callback, which then holds the transaction until 'end'.
      const entry = {};
      const opened = new Promise((resolve) => {
        entry.done = pglite.transaction((handle) => new Promise((commit, rollback) => {
          Object.assign(entry, { handle, commit, rollback });
          resolve();
        }));
      });
      await Promise.race([opened, entry.done.then(() => { throw new Error('The transaction ended before it opened.'); })]);
      const id = nextTx++;
      transactions.set(id, entry);
      return id;
    }
    case 'end': {
      const open = transactions.get(m.tx);
      if (!open) throw new Error('This transaction has already ended.');
      transactions.delete(m.tx);
      if (m.commit) open.commit();
      else open.rollback(new Error('rolled back'));
      try {
        await open.done;
      } catch (err) {
        if (m.commit) throw err;
      }
      return null;
    }
    case 'close':
      await pglite.close();
      return null;
    default:
      throw new Error(`unknown operation ${m.op}`);
  }
}

parentPort.on('message', (m) => {
  answer(m).then(
    (result) => {
      parentPort.postMessage({ id: m.id, ok: true, result });
      if (m.op === 'close') parentPort.close();
    },
    (err) => parentPort.postMessage({ id: m.id, ok: false, error: errorFields(err) }),
  );
});
parentPort.postMessage({ ready: true });
