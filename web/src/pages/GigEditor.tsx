// Create or edit a gig: title, description, category and sub-categories, tags, price, delivery
// time and a cover image uploaded straight to object storage.
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, messageOf, unwrap, type Schemas } from "../api/client";
import { uploadFile } from "../api/upload";
import { ErrorNote, Loading, SignedIn, useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { splitList, toCents } from "../ui/format";
import { useLoad } from "../ui/load";

type CategorySlug = Schemas["CategorySlug"];
type SubCategorySlug = Schemas["SubCategorySlug"];

function Editor({ id }: { id: string | undefined }) {
  const navigate = useNavigate();
  const categories = useLoad(async () => (await unwrap(api.GET("/api/v1/categories"))).items, []);
  const existing = useLoad(async () => (id ? unwrap(api.GET("/api/v1/gigs/{id}", { params: { path: { id } } })) : null), [id]);
  const [form, setForm] = useState({ title: "", description: "", category: "", tags: "", price: "", delivery_days: "3" });
  const [subs, setSubs] = useState<string[]>([]);
  const [cover, setCover] = useState<{ key: string | null; preview: string | null; uploading: boolean; error: string | null }>({
    key: null,
    preview: null,
    uploading: false,
    error: null,
  });
  useEffect(() => {
    const gig = existing.data;
    if (!gig) return;
    setForm({
      title: gig.title,
      description: gig.description,
      category: gig.category.slug,
      tags: gig.tags.join(", "),
      price: String(gig.price.amount / 100),
      delivery_days: String(gig.delivery_days),
    });
    setSubs(gig.sub_categories.map((s) => s.slug));
    setCover((c) => ({ ...c, preview: gig.cover_image_url ?? null }));
  }, [existing.data]);
  const body = () => ({
    title: form.title.trim(),
    description: form.description.trim(),
    category: form.category as CategorySlug,
    sub_categories: subs as SubCategorySlug[],
    tags: splitList(form.tags),
    price: { amount: toCents(form.price) ?? Number.NaN, currency: "USD" },
    delivery_days: Number(form.delivery_days),
    ...(cover.key ? { cover_image_key: cover.key } : {}),
  });
  const { errors, message, busy, submit } = useSubmit(id ? "UpdateGigRequest" : "CreateGigRequest", body, async (value) => {
    const gig = id
      ? await unwrap(api.PATCH("/api/v1/gigs/{id}", { params: { path: { id } }, body: value }))
      : await unwrap(api.POST("/api/v1/gigs", { body: value }));
    navigate(`/gigs/${gig.id}`);
  });
  if (existing.error) return <ErrorNote message={existing.error} retry={existing.reload} />;
  if (id && !existing.data) return <Loading />;
  const category = categories.data?.find((c) => c.slug === form.category);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const chooseCover = async (file: File | undefined) => {
    if (!file) return;
    setCover({ key: null, preview: URL.createObjectURL(file), uploading: true, error: null });
    try {
      const key = await uploadFile("gig-cover", file);
      setCover((c) => ({ ...c, key, uploading: false }));
    } catch (failure) {
      setCover({ key: null, preview: null, uploading: false, error: messageOf(failure) });
    }
  };
  return (
    <section className="narrow card">
      <h1>{id ? "Edit gig" : "List a new gig"}</h1>
      <form onSubmit={submit} noValidate>
        <FormError message={message} />
        <Field label="Title" error={errors.title} hint="Start with “I will…”; 15 to 100 characters.">
          <input value={form.title} onChange={set("title")} />
        </Field>
        <Field label="Description" error={errors.description} hint="At least 50 characters: what the buyer gets.">
          <textarea rows={6} value={form.description} onChange={set("description")} />
        </Field>
        <Field label="Category" error={errors.category}>
          <select
            value={form.category}
            onChange={(e) => {
              setForm({ ...form, category: e.target.value });
              setSubs([]);
            }}
          >
            <option value="">Choose…</option>
            {categories.data?.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        {category ? (
          <fieldset aria-describedby={errors.sub_categories ? "subs-error" : undefined}>
            <legend>Sub-categories (1 to 3)</legend>
            {category.sub_categories.map((sub) => (
              <label key={sub.slug} className="check">
                <input
                  type="checkbox"
                  checked={subs.includes(sub.slug)}
                  onChange={(e) => setSubs(e.target.checked ? [...subs, sub.slug] : subs.filter((s) => s !== sub.slug))}
                />{" "}
                {sub.name}
              </label>
            ))}
            {errors.sub_categories ? (
              <p className="field-error" id="subs-error">
                Sub-categories {errors.sub_categories}
              </p>
            ) : null}
          </fieldset>
        ) : null}
        <Field label="Tags" error={errors.tags} hint="1 to 5, separated by commas.">
          <input value={form.tags} onChange={set("tags")} />
        </Field>
        <div className="row">
          <Field label="Price (USD)" error={errors["price.amount"] ?? errors.price}>
            <input type="number" min={5} step="0.01" inputMode="decimal" value={form.price} onChange={set("price")} />
          </Field>
          <Field label="Delivery (days)" error={errors.delivery_days}>
            <input type="number" min={1} max={90} value={form.delivery_days} onChange={set("delivery_days")} />
          </Field>
        </div>
        <Field label="Cover image" error={cover.error ?? errors.cover_image_key} hint="PNG, JPEG or WebP.">
          <input type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => void chooseCover(e.target.files?.[0])} />
        </Field>
        {cover.preview ? <img src={cover.preview} alt="Cover preview" className="cover-preview" /> : null}
        {cover.uploading ? <p role="status">Uploading the cover…</p> : null}
        <SubmitButton busy={busy || cover.uploading}>{id ? "Save gig" : "Publish gig"}</SubmitButton>
      </form>
    </section>
  );
}

export default function GigEditor() {
  const { id } = useParams();
  useTitle(id ? "Edit gig" : "New gig");
  return (
    <SignedIn>
      <Editor id={id} />
    </SignedIn>
  );
}
