// What the `moisson` command (bin/moisson.js, whose first lines sh runs) adds to the environment as it starts
// node: glibc's malloc held to two arenas. glibc reads its tunables once, as the process starts, so they can
// only be given there: here for the benchmarks, which start the hub's code as `moisson` does; bin/moisson.js
// spells the same value out for sh (test/launch.test.ts checks that they agree and that glibc knows it).
//
// glibc gives each thread that allocates under contention an arena of its own (up to 8 per core) and keeps what
// each held at its peak: in a first harvest on the embedded store, the PostgreSQL thread's arena and those of
// V8's background threads (concurrent marking, compilation) held 20–60 MB each. Two arenas: peak RSS 320–348 MB
// against 370–378 MB, at the same speed (bench/harvest, N=10000, PGlite; README). Also tried, and left out:
// mmap_threshold=131072 (large buffers mapped apart and given back at once) took a few MB more off, but a first
// harvest was up to a fifth slower in alternated runs (a system call and page faults per large buffer).
export const GLIBC_TUNABLES_DEFAULT = 'glibc.malloc.arena_max=2';

/** The environment `moisson` runs in: `env`, with GLIBC_TUNABLES_DEFAULT unless GLIBC_TUNABLES is set (even empty). */
export function launchEnv(env = process.env) {
  return env.GLIBC_TUNABLES === undefined ? { ...env, GLIBC_TUNABLES: GLIBC_TUNABLES_DEFAULT } : { ...env };
}
