// Search: words, category, price range, delivery time and sort, kept in the address so a
// search can be shared; results load page by page as the list scrolls into view.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api, messageOf, unwrap, type Gig, type Schemas } from "../api/client";
import { ErrorNote, GigCard, Loading, useTitle } from "../ui/bits";
import { toCents } from "../ui/format";
import { useLoad } from "../ui/load";

type Sort = Schemas["Sort"];
const SORTS: [Sort, string][] = [
  ["relevance", "Best match"],
  ["newest", "Newest"],
  ["rating", "Best rated"],
  ["price_asc", "Price: low to high"],
  ["price_desc", "Price: high to low"],
];
const PAGE = 12;

export default function Search() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  useTitle(q ? `“${q}”` : "Explore");
  const categories = useLoad(async () => (await unwrap(api.GET("/api/v1/categories"))).items, []);
  const [items, setItems] = useState<Gig[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const key = params.toString();
  const query = () => {
    const sort = params.get("sort") as Sort | null;
    return {
      q: q || undefined,
      category: (params.get("category") || undefined) as Schemas["CategorySlug"] | undefined,
      min_price: toCents(params.get("min") ?? ""),
      max_price: toCents(params.get("max") ?? ""),
      max_delivery_days: params.get("days") ? Number(params.get("days")) : undefined,
      sort: sort && (sort !== "relevance" || q) ? sort : undefined,
      limit: PAGE,
    };
  };
  const loadPage = async (from: string | undefined, replace: boolean) => {
    setLoading(true);
    try {
      const page = await unwrap(api.GET("/api/v1/gigs", { params: { query: { ...query(), cursor: from } } }));
      setItems((current) => (replace ? page.items : [...current, ...page.items]));
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    setItems([]);
    setCursor(undefined);
    void loadPage(undefined, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const sentinel = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !cursor || loading || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void loadPage(cursor, false);
    });
    observer.observe(target);
    return () => observer.disconnect();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cursor, loading]);
  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of ["q", "category", "min", "max", "days", "sort"]) {
      const value = String(form.get(name) ?? "").trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };
  return (
    <div className="search-layout">
      <form className="filters card" onSubmit={apply} key={key} aria-label="Filters">
        <h1 className="small-heading">Find gigs</h1>
        <div className="field">
          <label htmlFor="f-q">Words</label>
          <input id="f-q" name="q" type="search" defaultValue={q} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="f-category">Category</label>
          <select id="f-category" name="category" defaultValue={params.get("category") ?? ""}>
            <option value="">Any</option>
            {categories.data?.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="f-min">Min price ($)</label>
            <input id="f-min" name="min" type="number" min={0} step="1" inputMode="decimal" defaultValue={params.get("min") ?? ""} />
          </div>
          <div className="field">
            <label htmlFor="f-max">Max price ($)</label>
            <input id="f-max" name="max" type="number" min={0} step="1" inputMode="decimal" defaultValue={params.get("max") ?? ""} />
          </div>
        </div>
        <div className="field">
          <label htmlFor="f-days">Delivered within (days)</label>
          <input id="f-days" name="days" type="number" min={1} max={90} defaultValue={params.get("days") ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-sort">Sort by</label>
          <select id="f-sort" name="sort" defaultValue={params.get("sort") ?? ""}>
            <option value="">Default</option>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary">
          Show results
        </button>
      </form>
      <section aria-labelledby="results" className="results">
        <h2 id="results">{q ? `Results for “${q}”` : "All gigs"}</h2>
        <ErrorNote message={error} retry={() => void loadPage(cursor ?? undefined, cursor === undefined)} />
        {!loading && items.length === 0 && !error ? <p>No gigs match. Try fewer words or a wider price range.</p> : null}
        <ul className="grid" aria-live="polite">
          {items.map((gig) => (
            <li key={gig.id}>
              <GigCard gig={gig} />
            </li>
          ))}
          <li ref={sentinel} className="sentinel" aria-hidden="true" />
        </ul>
        {loading ? <Loading what="Loading gigs" /> : null}
        {cursor && !loading ? (
          <button type="button" onClick={() => void loadPage(cursor, false)}>
            Show more
          </button>
        ) : null}
      </section>
    </div>
  );
}
