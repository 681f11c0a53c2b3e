// The build of the web client: one entry, a chunk per route (the pages are lazy imports), and
// hashed asset names the gateway caches for a year. `npm run dev` proxies the API and
// Socket.IO to a local gateway (scripts/run-local.sh).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:4000";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    // No inline scripts or styles anywhere: the gateway's policy forbids them.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": gateway,
      "/socket.io": { target: gateway, ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.{ts,tsx}"],
  },
});
