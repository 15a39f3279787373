// Entry file of a mapping worker thread (pool.ts): its exports are the tasks, by name. Built (dist/, see
// scripts/build.mjs), the tasks are JavaScript beside this file. From the sources, the thread gets neither the
// tsx loader that bin/moisson.js registers in the main thread nor vitest's transform, and Node 20 cannot load
// TypeScript by itself: tsx is registered here (again, harmlessly, when the process was started with
// `--import tsx`, whose flag workers inherit), then the TypeScript tasks are loaded.
import { existsSync } from 'node:fs';

const built = new URL('./task.js', import.meta.url);
let tasks;
if (existsSync(built)) {
  tasks = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  tasks = await import('./task.ts');
}

export const map = tasks.mapTask;
export const cswGetRecords = tasks.cswGetRecordsTask;

/** A task that only gets the thread loaded (pool.ts, startPool). */
export function warm() {
  return null;
}
