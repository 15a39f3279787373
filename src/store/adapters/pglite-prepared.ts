/**
 * Prepared statements on PGlite (QueryOptions.prepare). PGlite's query() sends an unnamed Parse every time, so
 * PostgreSQL plans the statement on every call: for the catalogue's page query (a lateral join over a table with
 * a dozen indexes) planning took 1 to 5 ms against 0.4 to 1 ms of execution, on the hub's only thread. Here a
 * hot statement is parsed once under a name, as pg's named statements do on a server, and then only bound and
 * executed: PostgreSQL's plan cache keeps its plan (a generic one once it proves as cheap as custom plans).
 *
 * The messages go through PGlite's wire protocol entry (execProtocolStream) under both of its locks, as its
 * query() takes them: no other query, and no transaction of another caller, runs in between.
 */
import { createHash } from 'node:crypto';
import { parse, protocol, type PGlite } from '@electric-sql/pglite';

const { serialize } = protocol;

/** Distinct prepared texts per instance; past this, further texts run unprepared (as the pg adapter does). */
const MAX_PREPARED = 256;

interface Statement {
  name: string;
  /** Parameter type OIDs, from the statement's description: they choose each value's serializer. */
  types: number[];
}

export interface PreparedRunner {
  /** Runs `text` as a named statement; undefined when too many texts are prepared already (run it plainly). */
  query<R>(text: string, values: unknown[]): Promise<{ rows: R[]; affectedRows?: number } | undefined>;
}

/** SQLSTATE of "cached plan must not change result type" (a table the statement reads changed shape). */
const FEATURE_NOT_SUPPORTED = '0A000';

export function preparedRunner(pglite: PGlite): PreparedRunner {
  const statements = new Map<string, Statement>();
  // Protocol messages run with PGlite's own locks held: the transaction lock (no caller's transaction is open
  // meanwhile), then the query lock, the order PGlite's describeQuery takes them in.
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> =>
    pglite._runExclusiveTransaction(() => pglite._runExclusiveQuery(fn));
  const run = (...messages: Uint8Array[]) => pglite.execProtocolStream(Buffer.concat(messages), { syncToFs: false });

  async function prepare(text: string): Promise<Statement> {
    const name = `moisson_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    const messages = await run(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync());
    const description = messages.find((m): m is typeof m & { dataTypeIDs: number[] } => m.name === 'parameterDescription');
    return { name, types: description?.dataTypeIDs ?? [] };
  }

  function bindValues(statement: Statement, values: unknown[]): (string | Uint8Array | null)[] {
    return values.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pglite.serializers[statement.types[i]];
      return (serializer ? serializer(value) : String(value)) as string | Uint8Array;
    });
  }

  async function execute<R>(statement: Statement, values: unknown[]) {
    const messages = await run(
      serialize.bind({ statement: statement.name, values: bindValues(statement, values) as string[] }),
      serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    return parse.parseResults(messages, pglite.parsers)[0] as unknown as { rows: R[]; affectedRows?: number };
  }

  return {
    query<R>(text: string, values: unknown[]) {
      let statement = statements.get(text);
      if (!statement && statements.size >= MAX_PREPARED) return Promise.resolve(undefined);
      return exclusive(async () => {
        if (!statement) {
          statement = await prepare(text);
          statements.set(text, statement);
        }
        try {
          return await execute<R>(statement, values);
        } catch (err) {
          if ((err as { code?: string }).code !== FEATURE_NOT_SUPPORTED) throw err;
          // The table changed under the kept plan (a migration): prepare the text again, once.
          await run(serialize.close({ type: 'S', name: statement.name }), serialize.sync());
          statement = await prepare(text);
          statements.set(text, statement);
          return execute<R>(statement, values);
        }
      });
    },
  };
}
