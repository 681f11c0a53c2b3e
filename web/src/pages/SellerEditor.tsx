// Become a seller, or edit the seller profile: name, pitch, description, languages, skills and
// the response time buyers see.
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";
import { useSession } from "../session";
import { Loading, SignedIn, useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { splitList } from "../ui/format";
import { useLoad } from "../ui/load";

type Language = Schemas["Language"];
const LEVELS: Language["level"][] = ["basic", "conversational", "fluent", "native"];

function Editor() {
  const { user } = useSession();
  const navigate = useNavigate();
  const current = useLoad(async () => {
    const buyer = await unwrap(api.GET("/api/v1/buyers/me"));
    return buyer.is_seller ? unwrap(api.GET("/api/v1/sellers/by-username/{username}", { params: { path: { username: buyer.username } } })) : null;
  }, []);
  const [form, setForm] = useState({ full_name: "", one_liner: "", description: "", skills: "", response_time_hours: "24" });
  const [languages, setLanguages] = useState<Language[]>([{ language: "English", level: "fluent" }]);
  useEffect(() => {
    const seller = current.data;
    if (!seller) return;
    setForm({
      full_name: seller.full_name,
      one_liner: seller.one_liner,
      description: seller.description,
      skills: seller.skills.join(", "),
      response_time_hours: String(seller.response_time_hours),
    });
    setLanguages(seller.languages);
  }, [current.data]);
  const existing = !!current.data;
  const body = () => ({
    full_name: form.full_name.trim(),
    one_liner: form.one_liner.trim(),
    description: form.description.trim(),
    languages,
    skills: splitList(form.skills),
    response_time_hours: Number(form.response_time_hours),
  });
  const { errors, message, busy, submit } = useSubmit(existing ? "UpdateSellerRequest" : "CreateSellerRequest", body, async (value) => {
    if (existing) await unwrap(api.PATCH("/api/v1/sellers/me", { body: value }));
    else await unwrap(api.POST("/api/v1/sellers", { body: value }));
    navigate(`/sellers/${user?.username ?? ""}`);
  });
  if (current.loading && current.data === undefined) return <Loading />;
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  return (
    <section className="narrow card">
      <h1>{existing ? "Edit your seller profile" : "Become a seller"}</h1>
      <form onSubmit={submit} noValidate>
        <FormError message={message ?? current.error} />
        <Field label="Full name" error={errors.full_name}>
          <input value={form.full_name} onChange={set("full_name")} autoComplete="name" />
        </Field>
        <Field label="One-line pitch" error={errors.one_liner} hint="What you do, in a sentence.">
          <input value={form.one_liner} onChange={set("one_liner")} />
        </Field>
        <Field label="About you" error={errors.description}>
          <textarea rows={5} value={form.description} onChange={set("description")} />
        </Field>
        <fieldset>
          <legend>Languages</legend>
          {languages.map((language, index) => (
            <div className="row" key={index}>
              <Field label={`Language ${index + 1}`} error={errors[`languages.${index}.language`]}>
                <input
                  value={language.language}
                  onChange={(e) => setLanguages(languages.map((l, i) => (i === index ? { ...l, language: e.target.value } : l)))}
                />
              </Field>
              <Field label={`Level of language ${index + 1}`}>
                <select
                  value={language.level}
                  onChange={(e) => setLanguages(languages.map((l, i) => (i === index ? { ...l, level: e.target.value as Language["level"] } : l)))}
                >
                  {LEVELS.map((level) => (
                    <option key={level} value={level}>
                      {level}
                    </option>
                  ))}
                </select>
              </Field>
              {languages.length > 1 ? (
                <button type="button" className="link" onClick={() => setLanguages(languages.filter((_, i) => i !== index))}>
                  Remove language {index + 1}
                </button>
              ) : null}
            </div>
          ))}
          {errors.languages ? <p className="field-error">Languages {errors.languages}</p> : null}
          <button type="button" onClick={() => setLanguages([...languages, { language: "", level: "conversational" }])}>
            Add a language
          </button>
        </fieldset>
        <Field label="Skills" error={errors.skills} hint="Separated by commas.">
          <input value={form.skills} onChange={set("skills")} />
        </Field>
        <Field label="Response time (hours)" error={errors.response_time_hours}>
          <input type="number" min={1} max={168} value={form.response_time_hours} onChange={set("response_time_hours")} />
        </Field>
        <SubmitButton busy={busy}>{existing ? "Save profile" : "Create seller profile"}</SubmitButton>
      </form>
    </section>
  );
}

export default function SellerEditor() {
  useTitle("Seller profile");
  return (
    <SignedIn>
      <Editor />
    </SignedIn>
  );
}
