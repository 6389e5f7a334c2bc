import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard's own build: everything (code, CSS, uPlot) is bundled into
// dist/web with hashed names; no CDN, no external font, no inline script.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // No modulepreload polyfill: it is an inline script, which the CSP forbids.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
