import { useCallback, useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { call, setContext, toAppError } from "../lib/api/client";
import type { Bootstrap } from "../lib/api/bindings/Bootstrap";
import type { User } from "../lib/api/bindings/User";
import { setDeskClock } from "../lib/format";
import { clearRoute } from "../lib/router";
import { rememberedUserId, rememberUser, SessionProvider } from "../lib/session";
import { Loading } from "../lib/ui";
import { Layout } from "./Layout";
import { UserPicker } from "./UserPicker";

export function App() {
  const [boot, setBoot] = useState<Bootstrap | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [user, setUser] = useState<User | null>(null);
  const qc = useQueryClient();

  const load = useCallback(async () => {
    setError(null);
    try {
      setContext({});
      const b = await call("app.bootstrap", {});
      setDeskClock(b.now);
      setBoot(b);
      const remembered = rememberedUserId();
      setUser(b.users.find((u) => u.id === remembered && u.active) ?? null);
    } catch (e) {
      setError(toAppError(e).message);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // Tell the desk once the start screen is painted (a first start loads the rest of its demo
  // business after that).
  const hasBoot = boot !== null;
  useEffect(() => {
    if (!hasBoot) return;
    const frame = window.requestAnimationFrame(() => {
      window.setTimeout(() => void call("app.shown", {}).catch(() => undefined), 0);
    });
    return () => window.cancelAnimationFrame(frame);
  }, [hasBoot]);

  // First start: the demo business loads behind the open window. Check again until it is in,
  // then refresh every list once.
  const demoLoading = boot?.demoLoading ?? false;
  useEffect(() => {
    if (!demoLoading) return;
    const timer = window.setInterval(async () => {
      try {
        const b = await call("app.bootstrap", {});
        if (!b.demoLoading) {
          setBoot(b);
          void qc.invalidateQueries();
        }
      } catch {
        /* the next tick tries again */
      }
    }, 1500);
    return () => window.clearInterval(timer);
  }, [demoLoading, qc]);
  const banner = demoLoading ? (
    <div className="demo-loading" data-testid="demo-loading" role="status">
      Loading the demo business… lists fill in as it arrives.
    </div>
  ) : null;

  const onSwitchUser = useCallback(() => {
    // The next person starts on their own home screen.
    clearRoute();
    qc.clear();
    setUser(null);
    void load();
  }, [qc, load]);

  if (error) {
    return (
      <div className="start">
        <div className="start-box">
          <h1 data-testid="screen-title">FlexDesk</h1>
          <div className="error-banner" data-testid="error-banner" role="alert">
            {error}
          </div>
          <button className="btn btn-primary" onClick={() => void load()}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (!boot) {
    return (
      <div className="start">
        <Loading what="the desk" />
      </div>
    );
  }
  if (!user) {
    return (
      <>
        <UserPicker
          boot={boot}
          onPick={(u) => {
            rememberUser(u.id);
            setUser(u);
          }}
        />
        {banner}
      </>
    );
  }
  return (
    <>
      <SessionProvider key={user.id} boot={boot} user={user} onSwitchUser={onSwitchUser}>
        <Layout />
      </SessionProvider>
      {banner}
    </>
  );
}
