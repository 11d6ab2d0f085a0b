import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console UI: built to app/ui/dist and served by each org node's console server.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
  worker: { format: 'es' },
});
