// Who is signed in, for every page: read from `GET /auth/me` at start (the session itself is the
// gateway's HttpOnly cookies, which scripts never see), updated on sign-in and sign-out, and
// cleared when a refresh fails.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, whenSignedOut, type User } from "./api/client";

type SessionState = {
  /** The account, `null` when signed out, `undefined` while loading. */
  user: User | null | undefined;
  /** Reads the account again (after sign-in, verification, a profile change). */
  reload: () => Promise<User | null>;
  signOut: () => Promise<void>;
};

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const reload = useCallback(async () => {
    try {
      const { data } = await api.GET("/api/v1/auth/me");
      const account = data?.user ?? null;
      setUser(account);
      return account;
    } catch {
      setUser(null);
      return null;
    }
  }, []);
  const signOut = useCallback(async () => {
    // No body: the gateway sends auth the refresh cookie to revoke.
    await api.POST("/api/v1/auth/signout").catch(() => undefined);
    setUser(null);
  }, []);
  useEffect(() => {
    whenSignedOut(() => setUser(null));
    void reload();
  }, [reload]);
  const value = useMemo(() => ({ user, reload, signOut }), [user, reload, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
