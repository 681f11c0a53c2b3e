// The inbox: every conversation, the latest first, with its unread count, kept live.
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { useRealtime } from "../realtime";
import { Avatar, ErrorNote, Loading, SignedIn, formatDate, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";

function List() {
  const inbox = useLoad(async () => (await unwrap(api.GET("/api/v1/conversations", { params: { query: { limit: 50 } } }))).items, []);
  useRealtime("message:received", () => void inbox.reload());
  useRealtime("message:updated", () => void inbox.reload());
  useRealtime("connect", () => void inbox.reload());
  if (inbox.error) return <ErrorNote message={inbox.error} retry={inbox.reload} />;
  if (!inbox.data) return <Loading />;
  if (inbox.data.length === 0) return <p>No conversations yet. Contact a seller from a gig page.</p>;
  return (
    <ul className="inbox">
      {inbox.data.map((c) => (
        <li key={c.id} className={c.unread_count > 0 ? "card unread" : "card"}>
          <Avatar name={c.partner.username} url={c.partner.picture_url} />
          <div>
            <Link to={`/inbox/${c.id}`}>
              <strong>{c.partner.display_name}</strong>
            </Link>
            {c.gig ? <span className="muted small"> · {c.gig.title}</span> : null}
            <p className="muted small">
              {c.last_message ? c.last_message.preview : "No messages yet"} · {formatDate(c.last_activity_at)}
            </p>
          </div>
          {c.unread_count > 0 ? <span className="badge">{c.unread_count} unread</span> : null}
        </li>
      ))}
    </ul>
  );
}

export default function Inbox() {
  useTitle("Inbox");
  return (
    <SignedIn>
      <h1>Inbox</h1>
      <List />
    </SignedIn>
  );
}
