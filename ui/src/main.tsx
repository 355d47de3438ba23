// The shared stylesheets come first: each area's own CSS (imported by its entry file) follows them.
import "./app/styles.css";
import "./app/shared.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "./app/App";
import { NotifyProvider } from "./lib/notify";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 },
    mutations: { retry: false },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <NotifyProvider>
        <App />
      </NotifyProvider>
    </QueryClientProvider>
  </StrictMode>,
);
