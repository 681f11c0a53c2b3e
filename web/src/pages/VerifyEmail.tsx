// The verification email's link: /verify-email?token=… confirms the address at once.
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, messageOf, refreshSession, unwrap } from "../api/client";
import { useSession } from "../session";
import { Loading, useTitle } from "../ui/bits";

export default function VerifyEmail() {
  useTitle("Verify your email");
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { reload } = useSession();
  const [state, setState] = useState<{ done: boolean; error: string | null }>({ done: false, error: null });
  const sent = useRef(false);
  useEffect(() => {
    // Once, even when React runs effects twice in development: a token is single-use.
    if (sent.current) return;
    sent.current = true;
    if (!token) {
      setState({ done: false, error: "This link has no token; open the link from the email again." });
      return;
    }
    unwrap(api.POST("/api/v1/auth/verify-email", { body: { token } }))
      .then(async () => {
        // The access token still says "unverified": a fresh one carries the new state.
        await refreshSession();
        await reload();
        setState({ done: true, error: null });
      })
      .catch((failure) => setState({ done: false, error: messageOf(failure) }));
  }, [token, reload]);
  return (
    <section className="narrow card">
      <h1>Email verification</h1>
      {state.done ? (
        <p role="status">
          Your email address is verified. <Link to="/">Go to Mercato</Link>
        </p>
      ) : state.error ? (
        <div role="alert">
          <p>{state.error}</p>
          <p>
            Signed in? <Link to="/settings">Send a new link</Link> from your settings.
          </p>
        </div>
      ) : (
        <Loading what="Verifying" />
      )}
    </section>
  );
}
