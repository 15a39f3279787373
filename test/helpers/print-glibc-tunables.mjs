// Preloaded with node's --import (NODE_OPTIONS) by test/launch.test.ts: prints the GLIBC_TUNABLES node was
// started with, as JSON (null when unset), and ends the process before the command runs.
process.stdout.write(JSON.stringify({ glibcTunables: process.env.GLIBC_TUNABLES ?? null }));
process.exit(0);
