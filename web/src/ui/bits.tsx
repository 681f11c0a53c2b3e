// Small pieces many pages show: gig cards, star ratings, avatars, loading and error states, the
// page title, and the gate in front of pages that need an account.
import { useEffect, type ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { formatMoney, type Gig } from "../api/client";
import { useSession } from "../session";

/** Sets the document title, which screen readers announce on navigation. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Mercato` : "Mercato";
  }, [title]);
}

export function Stars({ average, count }: { average: number; count: number }) {
  const label = count > 0 ? `${average.toFixed(1)} out of 5 from ${count} review${count === 1 ? "" : "s"}` : "No reviews yet";
  return (
    <span className="stars" role="img" aria-label={label} title={label}>
      <span aria-hidden="true">★ {count > 0 ? average.toFixed(1) : "–"}</span>
      <span className="muted" aria-hidden="true">
        ({count})
      </span>
    </span>
  );
}

export function Avatar({ name, url, size = 40 }: { name: string; url?: string | null | undefined; size?: number }) {
  if (url) return <img className="avatar" src={url} alt="" width={size} height={size} />;
  return (
    <span className="avatar avatar-letter" aria-hidden="true" data-size={size > 48 ? "large" : "small"}>
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

export function GigCard({ gig }: { gig: Gig }) {
  return (
    <article className="card gig-card">
      <Link to={`/gigs/${gig.id}`} className="gig-card-link">
        {gig.cover_image_url ? (
          <img src={gig.cover_image_url} alt="" className="cover" loading="lazy" />
        ) : (
          <div className="cover cover-empty" aria-hidden="true">
            {gig.category.name}
          </div>
        )}
        <h3>{gig.title}</h3>
      </Link>
      <p className="muted small">
        by <Link to={`/sellers/${gig.seller.username}`}>{gig.seller.username}</Link>
      </p>
      <p className="gig-card-foot">
        <Stars average={gig.rating.average} count={gig.rating.count} />
        <span>
          From <strong>{formatMoney(gig.price)}</strong>
        </span>
      </p>
    </article>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="muted" role="status">
      {what}…
    </p>
  );
}

export function ErrorNote({ message, retry }: { message: string | null; retry?: () => void }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      <p>{message}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Shows `children` only to a signed-in person; others get a link to sign in and come back. */
export function SignedIn({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const location = useLocation();
  if (user === undefined) return <Loading />;
  if (user === null) {
    const back = encodeURIComponent(location.pathname + location.search);
    return (
      <section className="narrow">
        <h1>Sign in to continue</h1>
        <p>
          This page needs an account. <Link to={`/signin?next=${back}`}>Sign in</Link> or{" "}
          <Link to={`/signup?next=${back}`}>join Mercato</Link>.
        </p>
      </section>
    );
  }
  return <>{children}</>;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "";
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
