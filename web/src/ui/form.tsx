// Forms: a labelled field with its error read out to screen readers, and the submit cycle every
// form shares (validate as the server does, send, show the server's message or field errors).
import { useId, useState, type FormEvent, type ReactElement, type ReactNode, cloneElement } from "react";
import { ApiFailure, messageOf } from "../api/client";
import { validate, type FieldErrors, type RequestSchema } from "../api/validate";

type FieldProps = {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: ReactElement<Record<string, unknown>>;
};

/** A label, its control (given as the child) and the field's error or hint. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const noteId = `${id}-note`;
  const control = cloneElement(children, {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error || hint ? noteId : undefined,
  });
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {error ? (
        <p className="field-error" id={noteId}>
          {label} {error}
        </p>
      ) : hint ? (
        <p className="hint" id={noteId}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** The form-wide message (the server's, for anything not tied to a field). */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

/**
 * The submit cycle: `body()` is checked against `schema`'s rules, then `send(body)` runs;
 * a failure's field errors land on the fields, its message on the form.
 */
export function useSubmit<B extends object, R>(schema: RequestSchema | null, body: () => B, send: (body: B) => Promise<R>) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent): Promise<R | undefined> => {
    event?.preventDefault();
    const value = body();
    const problems = schema ? validate(schema, value) : {};
    setErrors(problems);
    setMessage(Object.keys(problems).length > 0 ? "Some fields need a change." : null);
    if (Object.keys(problems).length > 0) return undefined;
    setBusy(true);
    try {
      return await send(value);
    } catch (error) {
      if (error instanceof ApiFailure && Object.keys(error.fields).length > 0) {
        setErrors(Object.fromEntries(Object.entries(error.fields).map(([key, list]) => [key, list.join("; ")])));
      }
      setMessage(messageOf(error));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { errors, message, busy, submit, setMessage };
}

export function SubmitButton({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
      {children}
    </button>
  );
}
