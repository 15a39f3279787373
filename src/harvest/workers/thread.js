// Entry file of a mapping worker thread (pool.ts): its exports are the tasks, by name. A worker thread gets
// neither the tsx loader that bin/moisson.js registers in the main thread nor vitest's transform, and Node 20
// cannot load TypeScript by itself: tsx is registered here (again, harmlessly, when the process was started with
// `--import tsx`, whose flag workers inherit), then the TypeScript tasks are loaded.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./task.ts');

export const map = tasks.mapTask;
export const cswGetRecords = tasks.cswGetRecordsTask;

/** A task that only gets the thread loaded (pool.ts, startPool). */
export function warm() {
  return null;
}
