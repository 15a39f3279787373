// rdf-canonize (digitalbazaar) ships no type declarations; only the entry point used here is declared.
declare module 'rdf-canonize' {
  export interface CanonizeOptions {
    algorithm: 'RDFC-1.0';
    format?: 'application/n-quads';
    maxWorkFactor?: number;
    signal?: AbortSignal;
  }
  export function canonize(input: unknown, options: CanonizeOptions): Promise<string>;
}
