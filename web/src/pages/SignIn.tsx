// Sign in with a username or email and password; on a device the account does not know yet,
// a second step asks for the one-time code sent by email.
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, deviceId, unwrap } from "../api/client";
import { useSession } from "../session";
import { useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { nextPath } from "../ui/next";

export default function SignIn() {
  useTitle("Sign in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { reload } = useSession();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const done = async () => {
    await reload();
    navigate(nextPath(params));
  };
  const first = useSubmit(
    "SigninRequest",
    () => ({ login: login.trim(), password, device_id: deviceId() }),
    async (body) => {
      const { data, error, response } = await api.POST("/api/v1/auth/signin", { body });
      if (response.status === 202 && data && "challenge_id" in data) {
        setChallenge(data.challenge_id);
        return;
      }
      await unwrap(Promise.resolve({ data, error, response }));
      await done();
    },
  );
  const second = useSubmit(
    "OtpRequest",
    () => ({ challenge_id: challenge ?? "", code: code.trim() }),
    async (body) => {
      await unwrap(api.POST("/api/v1/auth/signin/otp", { body }));
      await done();
    },
  );
  if (challenge) {
    return (
      <section className="narrow card">
        <h1>Check your email</h1>
        <p>This browser is new to your account: we sent a one-time code to your email address.</p>
        <form onSubmit={second.submit} noValidate>
          <FormError message={second.message} />
          <Field label="One-time code" error={second.errors.code}>
            <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="one-time-code" required />
          </Field>
          <SubmitButton busy={second.busy}>Sign in</SubmitButton>
        </form>
      </section>
    );
  }
  return (
    <section className="narrow card">
      <h1>Sign in</h1>
      <form onSubmit={first.submit} noValidate>
        <FormError message={first.message} />
        <Field label="Username or email" error={first.errors.login}>
          <input value={login} onChange={(e) => setLogin(e.target.value)} autoComplete="username" required />
        </Field>
        <Field label="Password" error={first.errors.password}>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        </Field>
        <SubmitButton busy={first.busy}>Sign in</SubmitButton>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link> · New here? <Link to={`/signup?${params.toString()}`}>Join</Link>
      </p>
    </section>
  );
}
