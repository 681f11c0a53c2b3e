// Notifications about orders, the newest first, live; opening one marks it read.
import { Link } from "react-router";
import { api, unwrap, type Notification } from "../api/client";
import { useRealtime } from "../realtime";
import { ErrorNote, Loading, SignedIn, formatDate, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";

function List() {
  const page = useLoad(() => unwrap(api.GET("/api/v1/notifications", { params: { query: { limit: 50 } } })), []);
  useRealtime<Notification>("order:notification", (alert) =>
    page.setData((current) => (current ? { ...current, items: [alert, ...current.items.filter((n) => n.id !== alert.id)] } : current)),
  );
  if (page.error) return <ErrorNote message={page.error} retry={page.reload} />;
  if (!page.data) return <Loading />;
  if (page.data.items.length === 0) return <p>Nothing yet: updates about your orders appear here.</p>;
  const markRead = (id: string) => void api.POST("/api/v1/notifications/{id}/read", { params: { path: { id } } });
  return (
    <ul className="stack notifications">
      {page.data.items.map((n) => (
        <li key={n.id} className={n.read_at ? "card" : "card unread"}>
          <Link to={`/orders/${n.order_id}`} onClick={() => markRead(n.id)}>
            {n.message}
          </Link>
          <p className="muted small">
            {formatDate(n.created_at)}
            {n.read_at ? "" : " · new"}
          </p>
        </li>
      ))}
    </ul>
  );
}

export default function Notifications() {
  useTitle("Notifications");
  return (
    <SignedIn>
      <h1>Notifications</h1>
      <List />
    </SignedIn>
  );
}
