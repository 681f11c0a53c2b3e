// One conversation, live: messages as they arrive, read marks both ways ("Seen"), the partner's
// presence, attachments, and custom offers the seller sends and the buyer accepts. A reconnect
// catches up from the last message this page has.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { api, ApiFailure, messageOf, unwrap, type MessageView, type Schemas } from "../api/client";
import { uploadFile } from "../api/upload";
import { useRealtime } from "../realtime";
import { useSession } from "../session";
import { ErrorNote, Loading, SignedIn, formatDate, useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { toCents } from "../ui/format";
import { useLoad } from "../ui/load";
import { OfferCard } from "../ui/offer";

type MessageUpdate =
  | { kind: "read"; conversation_id: string; reader_id: string; read_up_to: number }
  | { kind: "offer"; conversation_id: string; offer: Schemas["OfferView"] };

/** `existing` with `incoming` added: each message once, in sequence order. */
export function mergeMessages(existing: MessageView[], incoming: MessageView[]): MessageView[] {
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function OfferForm({ id, gigId, sent }: { id: string; gigId: string | undefined; sent: (m: MessageView) => void }) {
  const [form, setForm] = useState({ description: "", price: "", delivery_days: "3", days_open: "3" });
  const { errors, message, busy, submit } = useSubmit(
    "NewOffer",
    () => ({
      gig_id: gigId ?? null,
      description: form.description.trim(),
      price: toCents(form.price) ?? Number.NaN,
      delivery_days: Number(form.delivery_days),
      expires_at: new Date(Date.now() + Number(form.days_open) * 86_400_000).toISOString(),
    }),
    async (offer) => {
      sent(await unwrap(api.POST("/api/v1/conversations/{id}/messages", { params: { path: { id } }, body: { offer } })));
      setForm({ description: "", price: "", delivery_days: "3", days_open: "3" });
    },
  );
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  return (
    <form onSubmit={submit} noValidate className="card" aria-label="Custom offer">
      <h2 className="small-heading">Send a custom offer</h2>
      <FormError message={message} />
      <Field label="What you will deliver" error={errors.description}>
        <textarea rows={2} value={form.description} onChange={set("description")} />
      </Field>
      <div className="row">
        <Field label="Offer price (USD)" error={errors.price}>
          <input type="number" min={5} step="0.01" value={form.price} onChange={set("price")} />
        </Field>
        <Field label="Offer delivery (days)" error={errors.delivery_days}>
          <input type="number" min={1} max={90} value={form.delivery_days} onChange={set("delivery_days")} />
        </Field>
        <Field label="Open for (days)" error={errors.expires_at}>
          <input type="number" min={1} max={30} value={form.days_open} onChange={set("days_open")} />
        </Field>
      </div>
      <SubmitButton busy={busy}>Send offer</SubmitButton>
    </form>
  );
}

function Thread({ id }: { id: string }) {
  const { user } = useSession();
  const me = user?.id ?? "";
  const view = useLoad(() => unwrap(api.GET("/api/v1/conversations/{id}", { params: { path: { id } } })), [id]);
  const seller = useLoad(async () => (await unwrap(api.GET("/api/v1/buyers/me"))).is_seller, []);
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [partnerRead, setPartnerRead] = useState(0);
  const [online, setOnline] = useState<boolean | null>(null);
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const readSent = useRef(0);
  const last = messages.at(-1)?.seq ?? 0;
  useTitle(view.data ? `Chat with ${view.data.partner.display_name}` : "Conversation");
  useEffect(() => {
    if (view.data) setPartnerRead((current) => Math.max(current, view.data?.partner_read_up_to ?? 0));
  }, [view.data]);

  const catchUp = useCallback(
    async (after: number) => {
      try {
        const page = await unwrap(
          api.GET("/api/v1/conversations/{id}/messages", { params: { path: { id }, query: after > 0 ? { after, limit: 200 } : { limit: 50 } } }),
        );
        setMessages((current) => mergeMessages(current, page.items));
        if (after === 0) setHasMore(page.has_more);
        setError(null);
      } catch (failure) {
        setError(messageOf(failure));
      }
    },
    [id],
  );
  useEffect(() => {
    setMessages([]);
    void catchUp(0);
  }, [catchUp]);
  // Reads what arrived while the socket was away.
  const lastRef = useRef(0);
  lastRef.current = last;
  useRealtime("connect", () => void catchUp(lastRef.current));
  useRealtime<MessageView>("message:received", (message) => {
    if (message.conversation_id === id) setMessages((current) => mergeMessages(current, [message]));
  });
  useRealtime<MessageUpdate>("message:updated", (update) => {
    if (update.conversation_id !== id) return;
    if (update.kind === "read" && update.reader_id !== me) setPartnerRead((current) => Math.max(current, update.read_up_to));
    if (update.kind === "offer") {
      setMessages((current) => current.map((m) => (m.offer?.id === update.offer.id ? { ...m, offer: update.offer } : m)));
    }
  });
  useRealtime<{ user_id: string; online: boolean }>("presence", (change) => {
    if (change.user_id === view.data?.partner.user_id) setOnline(change.online);
  });
  // Marks the newest message read while the page is visible.
  useEffect(() => {
    if (last === 0 || last <= readSent.current || document.visibilityState === "hidden") return;
    readSent.current = last;
    void api.POST("/api/v1/conversations/{id}/read", { params: { path: { id } }, body: { up_to_seq: last } });
  }, [last, id]);

  const send = useSubmit(
    "NewMessage",
    () => ({ body: text.trim() }),
    async (body) => {
      if (!body.body && !file) throw new ApiFailure(400, "empty_message", "Write a message or attach a file.");
      const attachment = file ? { key: await uploadFile("attachment", file), name: file.name } : null;
      const message = await unwrap(
        api.POST("/api/v1/conversations/{id}/messages", { params: { path: { id } }, body: attachment ? { ...body, attachment } : body }),
      );
      setMessages((current) => mergeMessages(current, [message]));
      setText("");
      setFile(null);
    },
  );
  const older = async () => {
    const first = messages[0]?.seq;
    if (!first) return;
    try {
      const page = await unwrap(api.GET("/api/v1/conversations/{id}/messages", { params: { path: { id }, query: { before: first, limit: 50 } } }));
      setMessages((current) => mergeMessages(current, page.items));
      setHasMore(page.has_more);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  if (view.error) return <ErrorNote message={view.error} retry={view.reload} />;
  if (!view.data) return <Loading />;
  const partner = view.data.partner;
  const myLast = [...messages].reverse().find((m) => m.sender_id === me);
  return (
    <div className="chat">
      <header className="chat-head">
        <h1>
          {partner.display_name}{" "}
          <span className={online ? "presence online" : "presence"} data-testid="presence">
            {online === null ? "" : online ? "online" : "offline"}
          </span>
        </h1>
        {view.data.gig ? (
          <p className="muted small">
            About <Link to={`/gigs/${view.data.gig.id}`}>{view.data.gig.title}</Link>
          </p>
        ) : null}
      </header>
      {hasMore ? (
        <button type="button" onClick={older}>
          Older messages
        </button>
      ) : null}
      <ErrorNote message={error} />
      <ol className="messages" aria-live="polite" aria-label="Messages">
        {messages.map((m) => (
          <li key={m.id} className={m.sender_id === me ? "message mine" : "message"}>
            {m.body ? <p>{m.body}</p> : null}
            {m.attachment ? (
              <p>
                <a href={m.attachment.url} rel="noreferrer" target="_blank">
                  {m.attachment.name}
                </a>
              </p>
            ) : null}
            {m.offer ? (
              <OfferCard
                offer={m.offer}
                me={me}
                changed={(offer) => setMessages((current) => current.map((x) => (x.id === m.id ? { ...x, offer } : x)))}
              />
            ) : null}
            <p className="muted small">
              {formatDate(m.sent_at)}
              {myLast?.id === m.id && partnerRead >= m.seq ? <span data-testid="seen"> · Seen</span> : null}
            </p>
          </li>
        ))}
      </ol>
      <form onSubmit={send.submit} noValidate className="composer" aria-label="New message">
        <FormError message={send.message} />
        <Field label="Message" error={send.errors.body}>
          <textarea rows={2} value={text} onChange={(e) => setText(e.target.value)} />
        </Field>
        <Field label="Attach a file">
          <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        <SubmitButton busy={send.busy}>Send</SubmitButton>
      </form>
      {seller.data ? <OfferForm id={id} gigId={view.data.gig?.id} sent={(m) => setMessages((current) => mergeMessages(current, [m]))} /> : null}
    </div>
  );
}

export default function Conversation() {
  const { id = "" } = useParams();
  return (
    <SignedIn>
      <Thread id={id} />
    </SignedIn>
  );
}
