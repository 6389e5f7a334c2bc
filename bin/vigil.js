#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`).
import module from 'node:module';

// Node 22.1+ keeps the compiled code of the modules loaded below on disk, so a later start skips
// compiling them (NODE_DISABLE_COMPILE_CACHE=1 turns it off); on Node 20 this is a no-op. The CLI
// is imported after it, not statically, or it would load before the cache is on.
module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv);
