// Builds the console into dist/console, which the api serves at `/` (apps/api/src/console).
// `npx vite --config apps/console/vite.config.mjs` serves it with hot reload and sends /v1 to the api.
import react from '@vitejs/plugin-react';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  // No CDN, no external fonts: everything the page loads comes from the api's origin.
  build: {
    outDir: join(here, '../../dist/console'),
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': process.env.TOCSIN_API_URL ?? 'http://127.0.0.1:8081' },
  },
});
