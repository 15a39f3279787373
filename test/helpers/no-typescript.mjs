// node --import this file: any TypeScript module loaded, in the main thread or a worker thread, fails the
// process. What test/build.test.ts runs dist/ with, to show that it needs no TypeScript loader.
import { register } from 'node:module';

register(`data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (/\\.[cm]?ts$/.test(new URL(resolved.url).pathname)) throw new Error('TypeScript loaded: ' + resolved.url);
  return resolved;
}`)}`);
