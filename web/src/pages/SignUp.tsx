// Sign up: an account, then a verification email whose link opens /verify-email.
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, deviceId, unwrap } from "../api/client";
import { limitsOf } from "../api/validate";
import { useSession } from "../session";
import { useTitle } from "../ui/bits";
import { COUNTRIES } from "../ui/countries";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { nextPath } from "../ui/next";

export default function SignUp() {
  useTitle("Join");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { reload } = useSession();
  const [form, setForm] = useState({ username: "", email: "", password: "", country: "" });
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const { errors, message, busy, submit } = useSubmit(
    "SignupRequest",
    () => ({ ...form, device_id: deviceId() }),
    async (body) => {
      await unwrap(api.POST("/api/v1/auth/signup", { body }));
      await reload();
      navigate(nextPath(params, "/settings?welcome=1"));
    },
  );
  return (
    <section className="narrow card">
      <h1>Join Mercato</h1>
      <form onSubmit={submit} noValidate>
        <FormError message={message} />
        <Field label="Username" error={errors.username} hint="Letters, digits, _ and -; others see it.">
          <input value={form.username} onChange={set("username")} autoComplete="username" maxLength={limitsOf("SignupRequest", "username").maxLength} required />
        </Field>
        <Field label="Email" error={errors.email}>
          <input type="email" value={form.email} onChange={set("email")} autoComplete="email" required />
        </Field>
        <Field label="Password" error={errors.password} hint={`At least ${limitsOf("SignupRequest", "password").minLength} characters.`}>
          <input type="password" value={form.password} onChange={set("password")} autoComplete="new-password" required />
        </Field>
        <Field label="Country" error={errors.country}>
          <select value={form.country} onChange={set("country")} required>
            <option value="">Choose…</option>
            {COUNTRIES.map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </Field>
        <SubmitButton busy={busy}>Create account</SubmitButton>
      </form>
      <p>
        Have an account? <Link to={`/signin?${params.toString()}`}>Sign in</Link>
      </p>
    </section>
  );
}
