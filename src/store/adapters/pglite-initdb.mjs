// Creates a PGlite cluster in the directory given as the only argument, then exits (pglite.ts, createCluster).
// Plain JavaScript, run by node without a loader: creating a cluster (initdb, in its own WebAssembly instance)
// takes about 700 MB of memory that a process never gives back; here it is another process's, gone on exit.
import { PGlite } from '@electric-sql/pglite';

const pglite = await PGlite.create(process.argv[2]);
await pglite.close();
