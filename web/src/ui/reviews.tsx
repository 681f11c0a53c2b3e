// A list of reviews with its aggregate, as gig and seller pages show them, one page at a time.
import { useState } from "react";
import { messageOf, type ReviewView, type Schemas } from "../api/client";
import { ErrorNote, Stars, formatDate } from "./bits";

type ReviewPage = Schemas["ReviewPage"];

export function Reviews({ first, more }: { first: ReviewPage | undefined; more: (cursor: string) => Promise<ReviewPage> }) {
  const [extra, setExtra] = useState<ReviewView[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  if (!first) return null;
  const next = cursor === undefined ? first.next_cursor : cursor;
  const all = [...first.items, ...extra];
  return (
    <section aria-labelledby="reviews">
      <h2 id="reviews">
        Reviews <Stars average={first.aggregate.average} count={first.aggregate.count} />
      </h2>
      {all.length === 0 ? <p className="muted">No reviews yet.</p> : null}
      <ul className="reviews">
        {all.map((review) => (
          <li key={review.id} className="card">
            <p>
              <strong>{review.reviewer.username ?? "A buyer"}</strong>{" "}
              <span role="img" aria-label={`rated ${review.rating} out of 5`}>{"★".repeat(review.rating)}</span>{" "}
              <span className="muted small">{formatDate(review.created_at)}</span>
            </p>
            <p>{review.text}</p>
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
      {next ? (
        <button
          type="button"
          onClick={async () => {
            try {
              const page = await more(next);
              setExtra((current) => [...current, ...page.items]);
              setCursor(page.next_cursor ?? null);
            } catch (failure) {
              setError(messageOf(failure));
            }
          }}
        >
          More reviews
        </button>
      ) : null}
    </section>
  );
}
