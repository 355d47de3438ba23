import { useCallback, useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { call, onSessionProblem, setContext, toAppError } from "../lib/api/client";
import type { Bootstrap } from "../lib/api/bindings/Bootstrap";
import type { User } from "../lib/api/bindings/User";
import { setDeskClock } from "../lib/format";
import { clearRoute } from "../lib/router";
import { SessionProvider } from "../lib/session";
import { Loading } from "../lib/ui";
import { useIdle } from "../lib/useIdle";
import { Layout } from "./Layout";
import { LockScreen, SetupScreen, StartScreen } from "./SignIn";

export function App() {
  const [boot, setBoot] = useState<Bootstrap | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [user, setUser] = useState<User | null>(null);
  const [locked, setLocked] = useState(false);
  const qc = useQueryClient();

  /** The start: the desk (people, units) and whether this window's session is still signed in. */
  const load = useCallback(async () => {
    setError(null);
    try {
      const current = await call("session.current", {});
      const b = await call("app.bootstrap", {});
      setDeskClock(b.now);
      setBoot(b);
      setUser(current.user ?? null);
      setLocked(current.locked);
    } catch (e) {
      setError(toAppError(e).message);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // A call refused because the session locked (idle on the desk's side) or is gone.
  useEffect(() => {
    onSessionProblem((p) => {
      if (p === "locked") setLocked(true);
      else {
        setUser(null);
        setLocked(false);
        void load();
      }
    });
    return () => onSessionProblem(null);
  }, [load]);

  // Signed in: the business units come with the bootstrap a signed-in person reads.
  const signedIn = useCallback(
    async (u: User) => {
      clearRoute();
      qc.clear();
      try {
        const b = await call("app.bootstrap", {});
        setDeskClock(b.now);
        setBoot(b);
      } catch (e) {
        setError(toAppError(e).message);
        return;
      }
      setUser(u);
      setLocked(false);
    },
    [qc],
  );

  // The desk locks after its idle minutes without a key, click or scan.
  const lockNow = useCallback(() => {
    setLocked(true);
    void call("session.lock", {}).catch(() => undefined);
  }, []);
  useIdle((boot?.lockMinutes ?? 15) * 60_000, user !== null && !locked, lockNow);

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
    // The start screen waits for a fresh list of people (one may have been deactivated).
    setBoot(null);
    setUser(null);
    setLocked(false);
    setContext({});
    void load();
  }, [qc, load]);

  const refreshBoot = useCallback(async () => {
    const b = await call("app.bootstrap", {});
    setDeskClock(b.now);
    setBoot(b);
  }, []);

  const onUnlocked = useCallback(
    (u: User) => {
      setUser(u);
      setLocked(false);
      // What failed while locked is read again.
      void qc.invalidateQueries();
    },
    [qc],
  );

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
        {boot.setupNeeded ? <SetupScreen boot={boot} onSignedIn={signedIn} /> : <StartScreen boot={boot} onSignedIn={signedIn} />}
        {banner}
      </>
    );
  }
  return (
    <>
      {/* Locked: the work stays where it was under the lock screen, out of sight and out of reach. */}
      <div className="app-frame" inert={locked} aria-hidden={locked || undefined}>
        <SessionProvider key={user.id} boot={boot} user={user} onSwitchUser={onSwitchUser} onLock={lockNow} onRefreshBoot={refreshBoot}>
          <Layout />
        </SessionProvider>
      </div>
      {locked && <LockScreen boot={boot} user={user} onUnlocked={onUnlocked} onSwitchUser={onSwitchUser} />}
      {banner}
    </>
  );
}
