// The forms of an order's lifecycle, each for the party it belongs to: the seller delivers
// (with files) or asks for more days, the buyer approves or rejects that, asks for a revision
// or completes, either party cancels, and both review a completed order.
import { useState } from "react";
import { api, ApiFailure, unwrap, type OrderView } from "../api/client";
import { uploadFile } from "../api/upload";
import { Field, FormError, SubmitButton, useSubmit } from "./form";

type Changed = (order: OrderView) => void;

export function DeliverForm({ order, changed }: { order: OrderView; changed: Changed }) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const { errors, message, busy, submit } = useSubmit(
    "DeliveryRequest",
    () => ({ message: text.trim() }),
    async (body) => {
      const attachments = await Promise.all(files.map(async (file) => ({ key: await uploadFile("delivery", file), name: file.name })));
      changed(await unwrap(api.POST("/api/v1/orders/{id}/deliveries", { params: { path: { id: order.id } }, body: { ...body, attachments } })));
      setText("");
      setFiles([]);
    },
  );
  return (
    <form onSubmit={submit} noValidate className="card" aria-label="Deliver the work">
      <h2 className="small-heading">Deliver the work</h2>
      <FormError message={message} />
      <Field label="Delivery message" error={errors.message}>
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <Field label="Files">
        <input type="file" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />
      </Field>
      <SubmitButton busy={busy}>Deliver</SubmitButton>
    </form>
  );
}

export function ExtensionForm({ order, changed }: { order: OrderView; changed: Changed }) {
  const [days, setDays] = useState("2");
  const [reason, setReason] = useState("");
  const { errors, message, busy, submit } = useSubmit(
    "ExtensionRequest",
    () => ({ days: Number(days), reason: reason.trim() }),
    async (body) => changed(await unwrap(api.POST("/api/v1/orders/{id}/extensions", { params: { path: { id: order.id } }, body }))),
  );
  return (
    <form onSubmit={submit} noValidate className="card" aria-label="Ask for more time">
      <h2 className="small-heading">Ask for more time</h2>
      <FormError message={message} />
      <div className="row">
        <Field label="Extra days" error={errors.days}>
          <input type="number" min={1} max={30} value={days} onChange={(e) => setDays(e.target.value)} />
        </Field>
        <Field label="Reason" error={errors.reason}>
          <input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
      </div>
      <SubmitButton busy={busy}>Ask the buyer</SubmitButton>
    </form>
  );
}

export function RevisionForm({ order, changed }: { order: OrderView; changed: Changed }) {
  const [text, setText] = useState("");
  const { errors, message, busy, submit } = useSubmit(
    "RevisionRequest",
    () => ({ message: text.trim() }),
    async (body) => changed(await unwrap(api.POST("/api/v1/orders/{id}/revision", { params: { path: { id: order.id } }, body }))),
  );
  return (
    <form onSubmit={submit} noValidate className="card" aria-label="Ask for a revision">
      <h2 className="small-heading">
        Ask for a revision ({order.revisions.used} of {order.revisions.allowed} used)
      </h2>
      <FormError message={message} />
      <Field label="What should change" error={errors.message}>
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <SubmitButton busy={busy}>Ask for a revision</SubmitButton>
    </form>
  );
}

export function CancelForm({ order, changed }: { order: OrderView; changed: Changed }) {
  const [reason, setReason] = useState("");
  const { errors, message, busy, submit } = useSubmit(
    "CancelRequest",
    () => (reason.trim() ? { reason: reason.trim() } : {}),
    async (body) => changed(await unwrap(api.POST("/api/v1/orders/{id}/cancel", { params: { path: { id: order.id } }, body }))),
  );
  return (
    <details className="card">
      <summary>Cancel the order</summary>
      <form onSubmit={submit} noValidate aria-label="Cancel the order">
        <FormError message={message} />
        <Field label="Reason (optional)" error={errors.reason}>
          <input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <SubmitButton busy={busy}>Cancel order</SubmitButton>
      </form>
    </details>
  );
}

export function ReviewForm({ order, reviewed }: { order: OrderView; reviewed: () => void }) {
  const [rating, setRating] = useState(0);
  const [text, setText] = useState("");
  const { errors, message, busy, submit } = useSubmit(
    "NewReview",
    () => ({ order_id: order.id, rating, text: text.trim() }),
    async (body) => {
      if (rating === 0) throw new ApiFailure(400, "no_rating", "Choose a rating from 1 to 5 stars.");
      await unwrap(api.POST("/api/v1/reviews", { body }));
      reviewed();
    },
  );
  const other = order.role === "buyer" ? "the seller" : "the buyer";
  return (
    <form onSubmit={submit} noValidate className="card" aria-label="Review">
      <h2 className="small-heading">Review {other}</h2>
      <FormError message={message} />
      <fieldset className="rating">
        <legend>Rating</legend>
        {[1, 2, 3, 4, 5].map((value) => (
          <label key={value} className="check">
            <input type="radio" name="rating" value={value} checked={rating === value} onChange={() => setRating(value)} /> {value} star
            {value === 1 ? "" : "s"}
          </label>
        ))}
        {errors.rating ? <p className="field-error">Rating {errors.rating}</p> : null}
      </fieldset>
      <Field label="Your review" error={errors.text}>
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <SubmitButton busy={busy}>Publish review</SubmitButton>
    </form>
  );
}
