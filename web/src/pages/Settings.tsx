// The account: its email's state (with a new verification link on request), the seller profile
// links, and the password change.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, messageOf, unwrap } from "../api/client";
import { useSession } from "../session";
import { SignedIn, useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { useLoad } from "../ui/load";

function ChangePassword() {
  const [form, setForm] = useState({ current_password: "", new_password: "" });
  const [done, setDone] = useState(false);
  const { errors, message, busy, submit } = useSubmit(
    "ChangeRequest",
    () => form,
    async (body) => {
      await unwrap(api.POST("/api/v1/auth/password/change", { body }));
      setDone(true);
      setForm({ current_password: "", new_password: "" });
    },
  );
  return (
    <form onSubmit={submit} noValidate className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      {done ? <p role="status">Your password is changed.</p> : null}
      <FormError message={message} />
      <Field label="Current password" error={errors.current_password}>
        <input type="password" value={form.current_password} onChange={(e) => setForm({ ...form, current_password: e.target.value })} autoComplete="current-password" />
      </Field>
      <Field label="New password" error={errors.new_password}>
        <input type="password" value={form.new_password} onChange={(e) => setForm({ ...form, new_password: e.target.value })} autoComplete="new-password" />
      </Field>
      <SubmitButton busy={busy}>Change password</SubmitButton>
    </form>
  );
}

function Account() {
  const { user } = useSession();
  const [params] = useSearchParams();
  const [resent, setResent] = useState<string | null>(null);
  const buyer = useLoad(() => unwrap(api.GET("/api/v1/buyers/me")), []);
  if (!user) return null;
  return (
    <div className="stack">
      <h1>Your account</h1>
      {params.get("welcome") ? <p role="status">Welcome to Mercato, {user.username}! We sent you an email to verify your address.</p> : null}
      <section className="card" aria-labelledby="account-heading">
        <h2 id="account-heading">{user.username}</h2>
        <p>
          {user.email} — {user.email_verified ? "verified" : "not verified yet"}
        </p>
        {!user.email_verified ? (
          <p>
            <button
              type="button"
              onClick={async () => {
                try {
                  await unwrap(api.POST("/api/v1/auth/verify-email/resend"));
                  setResent("A new verification link is on its way.");
                } catch (failure) {
                  setResent(messageOf(failure));
                }
              }}
            >
              Send a new verification link
            </button>
          </p>
        ) : null}
        {resent ? <p role="status">{resent}</p> : null}
        <p>
          {buyer.data?.is_seller ? (
            <>
              <Link to={`/sellers/${user.username}`}>Your seller profile</Link> · <Link to="/seller-profile">Edit it</Link> ·{" "}
              <Link to="/gigs/new">List a gig</Link>
            </>
          ) : (
            <Link to="/seller-profile" className="button primary">
              Become a seller
            </Link>
          )}
        </p>
      </section>
      <ChangePassword />
    </div>
  );
}

export default function Settings() {
  useTitle("Settings");
  return (
    <SignedIn>
      <Account />
    </SignedIn>
  );
}
