/**
 * One "hub" of the multi-process scheduler test (test/harvest/scheduler.test.ts): opens the store on the test's
 * PostgreSQL schema, runs the real scheduler (node-cron tick every second) for RUN_MS, stops it, and exits.
 * Environment: DATABASE_URL, SCHEMA, OWNER, RUN_MS.
 */
import { createScheduler } from '../../src/harvest/scheduler.ts';
import { openStore } from '../../src/store/db.ts';

const db = await openStore({ databaseUrl: process.env.DATABASE_URL!, schema: process.env.SCHEMA! });
const log = {
  info: () => {},
  warn: (obj: unknown, msg?: string) => process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj)}\n`),
  error: (obj: unknown, msg?: string) => process.stderr.write(`${msg ?? ''} ${String((obj as { err?: Error }).err ?? JSON.stringify(obj))}\n`),
};
// No missed window: each process only creates the slots that fall while it runs.
const scheduler = createScheduler(db, { owner: process.env.OWNER!, tick: '* * * * * *', missedWindowMs: 0, leaseMs: 5_000, log });
scheduler.start();
await new Promise((resolve) => setTimeout(resolve, Number(process.env.RUN_MS)));
await scheduler.stop();
await db.close();
process.stdout.write(`${process.env.OWNER} stopped\n`);
