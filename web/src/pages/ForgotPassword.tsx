// Forgot password: a reset link by email (the answer is the same whether the address is known).
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";

export default function ForgotPassword() {
  useTitle("Forgot password");
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { errors, message, busy, submit } = useSubmit(
    "ForgotRequest",
    () => ({ email: email.trim() }),
    async (body) => {
      await unwrap(api.POST("/api/v1/auth/password/forgot", { body }));
      setSent(true);
    },
  );
  return (
    <section className="narrow card">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If an account has that address, a link to reset its password is on its way. It works for one hour.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <FormError message={message} />
          <Field label="Email" error={errors.email}>
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" required />
          </Field>
          <SubmitButton busy={busy}>Send the link</SubmitButton>
        </form>
      )}
    </section>
  );
}
