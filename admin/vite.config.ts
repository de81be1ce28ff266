import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// Backend for `npm run dev`; override with LFXJ_API_TARGET=http://host:port.
const apiTarget = process.env.LFXJ_API_TARGET ?? 'http://127.0.0.1:7001'

export default defineConfig({
  // Served by the backend under /admin/ (see backend/src/common/web.middleware.ts).
  base: '/admin/',
  plugins: [react()],
  resolve: {
    // The shared contract is consumed as source (types and values: labels, the process definition).
    alias: { '@lfxj/contracts': fileURLToPath(new URL('../contracts/src/index.ts', import.meta.url)) },
  },
  build: {
    // antd with its rc-components (layout, menu, table, select, form…) is ~755 kB minified
    // (~243 kB gzip) in one vendor chunk.
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      output: {
        // Vendor chunks change less often than the app code.
        codeSplitting: {
          groups: [
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 20 },
            // zod comes with the contract (consumed as source); the console uses its schemas' labels.
            { name: 'zod', test: /[\\/]node_modules[\\/]zod[\\/]/, priority: 20 },
            { name: 'icons', test: /[\\/]node_modules[\\/]@ant-design[\\/]icons/, priority: 20 },
            { name: 'vendor', test: /[\\/]node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: true },
    },
  },
})
