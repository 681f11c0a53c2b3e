// The frame of every page: a skip link, the header (search, navigation, the live count of
// unread notifications, the account's links) and the main region pages render into.
import { Suspense, useState, type FormEvent } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { useRealtime } from "../realtime";
import { useSession } from "../session";
import { Loading } from "./bits";
import { useLoad } from "./load";

function UnreadBadge() {
  const unread = useLoad(
    async () => (await unwrap(api.GET("/api/v1/notifications", { params: { query: { unread: true, limit: 1 } } }))).unread_count,
    [],
  );
  useRealtime("order:notification", () => unread.setData((count) => (count ?? 0) + 1));
  useRealtime("connect", () => void unread.reload());
  const count = unread.data ?? 0;
  return (
    <NavLink to="/notifications" aria-label={`Notifications, ${count} unread`}>
      Notifications{" "}
      <span className={count > 0 ? "badge" : "badge badge-empty"} data-testid="unread-count" aria-hidden="true">
        {count}
      </span>
    </NavLink>
  );
}

export function Layout() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const [query, setQuery] = useState("");
  const search = (event: FormEvent) => {
    event.preventDefault();
    navigate(query.trim() ? `/search?q=${encodeURIComponent(query.trim())}` : "/search");
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Mercato
        </Link>
        <form role="search" className="top-search" onSubmit={search}>
          <label htmlFor="top-search" className="visually-hidden">
            Search gigs
          </label>
          <input id="top-search" type="search" placeholder="Search gigs" value={query} onChange={(e) => setQuery(e.target.value)} maxLength={200} />
          <button type="submit">Search</button>
        </form>
        <nav aria-label="Main">
          <NavLink to="/search">Explore</NavLink>
          {user ? (
            <>
              <NavLink to="/inbox">Inbox</NavLink>
              <NavLink to="/orders">Orders</NavLink>
              <UnreadBadge />
              <NavLink to="/settings">{user.username}</NavLink>
              <button
                type="button"
                className="link"
                onClick={async () => {
                  await signOut();
                  navigate("/");
                }}
              >
                Sign out
              </button>
            </>
          ) : user === null ? (
            <>
              <NavLink to="/signin">Sign in</NavLink>
              <NavLink to="/signup" className="button primary">
                Join
              </NavLink>
            </>
          ) : null}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="foot muted small">
        <p>
          Mercato — an open services marketplace. <a href="/api/v1/docs">API reference</a>
        </p>
      </footer>
    </>
  );
}
