// The orders of the signed-in person, as buyer or seller, filtered by state, page by page.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, formatMoney, messageOf, unwrap, type Schemas } from "../api/client";
import { useRealtime } from "../realtime";
import { ErrorNote, Loading, SignedIn, formatDate, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";
import { STATUS_LABELS } from "./OrderPage";

type OrderSummary = Schemas["OrderSummary"];

function List() {
  const [params, setParams] = useSearchParams();
  const role = (params.get("role") || undefined) as Schemas["OrderRole"] | undefined;
  const status = (params.get("status") || undefined) as Schemas["OrderStatus"] | undefined;
  const [more, setMore] = useState<{ items: OrderSummary[]; cursor: string | null | undefined }>({ items: [], cursor: undefined });
  const [error, setError] = useState<string | null>(null);
  const first = useLoad(async () => {
    setMore({ items: [], cursor: undefined });
    return unwrap(api.GET("/api/v1/orders", { params: { query: { role, status, limit: 20 } } }));
  }, [role, status]);
  useRealtime("order:notification", () => void first.reload());
  const next = more.cursor === undefined ? first.data?.next_cursor : more.cursor;
  const items = [...(first.data?.items ?? []), ...more.items];
  const filter = (name: string, value: string) => {
    const changed = new URLSearchParams(params);
    if (value) changed.set(name, value);
    else changed.delete(name);
    setParams(changed);
  };
  return (
    <>
      <div className="row">
        <div className="field">
          <label htmlFor="o-role">As</label>
          <select id="o-role" value={role ?? ""} onChange={(e) => filter("role", e.target.value)}>
            <option value="">Buyer or seller</option>
            <option value="buyer">Buyer</option>
            <option value="seller">Seller</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="o-status">State</label>
          <select id="o-status" value={status ?? ""} onChange={(e) => filter("status", e.target.value)}>
            <option value="">Any</option>
            {Object.entries(STATUS_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNote message={first.error ?? error} retry={first.reload} />
      {first.loading && !first.data ? <Loading /> : null}
      {first.data && items.length === 0 ? <p>No orders here yet.</p> : null}
      <table className="orders">
        <caption className="visually-hidden">Your orders</caption>
        <thead>
          <tr>
            <th scope="col">Gig</th>
            <th scope="col">As</th>
            <th scope="col">State</th>
            <th scope="col">Total</th>
            <th scope="col">Placed</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.id}>
              <td>
                <Link to={`/orders/${o.id}`}>{o.gig.title}</Link>
              </td>
              <td>{o.role}</td>
              <td>{STATUS_LABELS[o.status]}</td>
              <td>{formatMoney(o.total)}</td>
              <td>{formatDate(o.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <button
          type="button"
          onClick={async () => {
            try {
              const page = await unwrap(api.GET("/api/v1/orders", { params: { query: { role, status, limit: 20, cursor: next } } }));
              setMore((current) => ({ items: [...current.items, ...page.items], cursor: page.next_cursor ?? null }));
            } catch (failure) {
              setError(messageOf(failure));
            }
          }}
        >
          More orders
        </button>
      ) : null}
    </>
  );
}

export default function Orders() {
  useTitle("Orders");
  return (
    <SignedIn>
      <h1>Orders</h1>
      <List />
    </SignedIn>
  );
}
