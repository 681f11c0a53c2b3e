// The reset email's link: /reset-password?token=… sets a new password.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { limitsOf } from "../api/validate";
import { useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";

export default function ResetPassword() {
  useTitle("New password");
  const [params] = useSearchParams();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { errors, message, busy, submit } = useSubmit(
    "ResetRequest",
    () => ({ token: params.get("token") ?? "", password }),
    async (body) => {
      await unwrap(api.POST("/api/v1/auth/password/reset", { body }));
      setDone(true);
    },
  );
  return (
    <section className="narrow card">
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status">
          Your password is changed, and every other session is signed out. <Link to="/signin">Sign in</Link>
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <FormError message={message ?? (errors.token ? "This link is incomplete; open it from the email again." : null)} />
          <Field label="New password" error={errors.password} hint={`At least ${limitsOf("ResetRequest", "password").minLength} characters.`}>
            <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" required />
          </Field>
          <SubmitButton busy={busy}>Set password</SubmitButton>
        </form>
      )}
    </section>
  );
}
