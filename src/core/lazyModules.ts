// The heavy dependencies, loaded on first use with require: synchronous, and without the ESM loader's pass over a CommonJS
// package's whole source (cjs-module-lexer) that import() makes to find its named exports, which for @babel/parser alone
// costs tens of ms cold. They stay out of the bundles (esbuild.mjs lists them as externals) and out of start-up.
import { createRequire } from 'node:module';

const requireHere = createRequire(__filename);

export function loadEsbuild(): typeof import('esbuild') {
  return requireHere('esbuild') as typeof import('esbuild');
}

export function loadBabelParser(): typeof import('@babel/parser') {
  return requireHere('@babel/parser') as typeof import('@babel/parser');
}

export function loadPiscina(): typeof import('piscina') {
  return requireHere('piscina') as typeof import('piscina');
}
