#!/usr/bin/env node
// The `bxg` command. TypeScript sources run through tsx's loader, so a checkout works
// right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// Loaded before tsx's hooks on purpose: tsx rewrites the dynamic import() in every ES module
// it loads, and libxml2-wasm's 1 MB module (WebAssembly inlined) costs it ≈ 0.9 s per start.
// Later imports of the same files come from Node's module cache.
await import('libxml2-wasm');
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
