import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// Backend for `npm run dev`; override with LFXJ_API_TARGET=http://host:port.
const apiTarget = process.env.LFXJ_API_TARGET ?? 'http://127.0.0.1:7001'

export default defineConfig({
  // Served by the backend under /admin/ (see backend/src/common/web.middleware.ts).
  base: '/admin/',
  plugins: [react()],
  build: {
    // antd with its rc-components is ~505 kB minified (~167 kB gzip) in one vendor chunk.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // Vendor chunks change less often than the app code.
        codeSplitting: {
          groups: [
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 20 },
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
