import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the desk commands to a local `flexdesk serve` (default 127.0.0.1:8787,
// override with FLEXDESK_URL) so the UI can be developed in a browser.
const target = process.env.FLEXDESK_URL ?? "http://127.0.0.1:8787";

export default defineConfig({
  plugins: [react()],
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/rpc": target } },
});
