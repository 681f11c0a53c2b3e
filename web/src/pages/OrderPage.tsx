// An order, kept live: its state, money and dates, what each party can do next, the
// extensions, the deliveries with their files, the history, and the reviews once completed.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, formatMoney, messageOf, unwrap, type OrderView } from "../api/client";
import { useRealtime } from "../realtime";
import { ErrorNote, Loading, SignedIn, formatDate, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";
import { CancelForm, DeliverForm, ExtensionForm, ReviewForm, RevisionForm } from "../ui/orderActions";
import { Payment } from "../ui/payment";

export const STATUS_LABELS: Record<OrderView["status"], string> = {
  pending_payment: "Waiting for payment",
  payment_failed: "Payment failed",
  in_progress: "In progress",
  delivered: "Delivered",
  completed: "Completed",
  cancelled: "Cancelled",
};

function Actions({ order, changed }: { order: OrderView; changed: (order: OrderView) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const post = async (call: Promise<{ data?: OrderView; error?: unknown; response: Response }>) => {
    try {
      changed(await unwrap(call));
      setProblem(null);
    } catch (failure) {
      setProblem(messageOf(failure));
    }
  };
  const path = { params: { path: { id: order.id } } };
  const buyer = order.role === "buyer";
  const pendingExtension = order.extensions.find((e) => e.status === "pending");
  const open = order.status === "pending_payment" || order.status === "payment_failed" || order.status === "in_progress";
  return (
    <div className="stack">
      <ErrorNote message={problem} />
      {buyer && (order.status === "pending_payment" || order.status === "payment_failed") ? <Payment order={order} paid={changed} /> : null}
      {buyer && order.status === "in_progress" && pendingExtension ? (
        <div className="card">
          <p>
            The seller asks for {pendingExtension.days} more day{pendingExtension.days === 1 ? "" : "s"}: “{pendingExtension.reason}”
          </p>
          <button
            type="button"
            className="primary"
            onClick={() => post(api.POST("/api/v1/orders/{id}/extensions/{eid}/approve", { params: { path: { id: order.id, eid: pendingExtension.id } } }))}
          >
            Approve extension
          </button>{" "}
          <button
            type="button"
            onClick={() => post(api.POST("/api/v1/orders/{id}/extensions/{eid}/reject", { params: { path: { id: order.id, eid: pendingExtension.id } } }))}
          >
            Reject extension
          </button>
        </div>
      ) : null}
      {!buyer && order.status === "in_progress" ? (
        <>
          <DeliverForm order={order} changed={changed} />
          {!pendingExtension ? <ExtensionForm order={order} changed={changed} /> : <p className="muted">Your extension request waits for the buyer.</p>}
        </>
      ) : null}
      {buyer && order.status === "delivered" ? (
        <>
          <div className="card">
            <p>Happy with the delivery? Completing the order releases the payment to the seller.</p>
            <button type="button" className="primary" onClick={() => post(api.POST("/api/v1/orders/{id}/complete", path))}>
              Complete order
            </button>
          </div>
          {order.revisions.used < order.revisions.allowed ? <RevisionForm order={order} changed={changed} /> : null}
        </>
      ) : null}
      {open ? <CancelForm order={order} changed={changed} /> : null}
    </div>
  );
}

function Order({ id }: { id: string }) {
  const order = useLoad(() => unwrap(api.GET("/api/v1/orders/{id}", { params: { path: { id } } })), [id]);
  // The order hears of a review by event a moment later; the page knows at once.
  const [reviewedHere, setReviewedHere] = useState(false);
  useRealtime<{ order_id: string }>("order:notification", (alert) => {
    if (alert.order_id === id) void order.reload();
  });
  useRealtime("connect", () => void order.reload());
  useTitle(order.data ? `Order: ${order.data.gig.title}` : "Order");
  if (order.error && !order.data) return <ErrorNote message={order.error} retry={order.reload} />;
  if (!order.data) return <Loading />;
  const o = order.data;
  const changed = (next: OrderView) => order.setData(() => next);
  const mine = reviewedHere || (o.role === "buyer" ? o.reviews.by_buyer : o.reviews.by_seller);
  const other = o.role === "buyer" ? o.seller : o.buyer;
  return (
    <div className="order-layout">
      <section className="stack">
        <h1>
          <Link to={`/gigs/${o.gig.id}`}>{o.gig.title}</Link>
        </h1>
        <p>
          <span className={`status status-${o.status}`} data-testid="order-status">
            {STATUS_LABELS[o.status]}
          </span>{" "}
          {o.due_at && o.status === "in_progress" ? <span>due {formatDate(o.due_at)}</span> : null}
        </p>
        <p>
          You are the {o.role}; the {o.role === "buyer" ? "seller" : "buyer"} is {other.username ?? "another member"}.
        </p>
        <div className="card">
          <h2 className="small-heading">Requirements</h2>
          <p className="prose">{o.requirements}</p>
          {o.offer_description ? <p className="muted">Custom offer: {o.offer_description}</p> : null}
        </div>
        <Actions order={o} changed={changed} />
        {o.status === "completed" && !mine ? <ReviewForm order={o} reviewed={() => setReviewedHere(true)} /> : null}
        {o.status === "completed" && mine ? <p role="status">You reviewed this order. Thank you!</p> : null}
        {o.deliveries.length > 0 ? (
          <section aria-labelledby="deliveries">
            <h2 id="deliveries">Deliveries</h2>
            <ol className="stack">
              {o.deliveries.map((d) => (
                <li key={d.id} className="card">
                  <p className="muted small">{formatDate(d.delivered_at)}</p>
                  <p>{d.message}</p>
                  <ul>
                    {d.files.map((f) => (
                      <li key={f.url}>
                        <a href={f.url} rel="noreferrer" target="_blank">
                          {f.name}
                        </a>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          </section>
        ) : null}
      </section>
      <aside className="stack">
        <div className="card">
          <dl className="facts">
            <dt>Price</dt>
            <dd>{formatMoney(o.price)}</dd>
            <dt>Service fee</dt>
            <dd>{formatMoney(o.service_fee)}</dd>
            <dt>Total</dt>
            <dd>
              <strong>{formatMoney(o.total)}</strong>
            </dd>
            {o.refunded.amount > 0 ? (
              <>
                <dt>Refunded</dt>
                <dd>{formatMoney(o.refunded)}</dd>
              </>
            ) : null}
            <dt>Delivery</dt>
            <dd>{o.delivery_days} days</dd>
          </dl>
        </div>
        {o.extensions.length > 0 ? (
          <div className="card">
            <h2 className="small-heading">Extensions</h2>
            <ul>
              {o.extensions.map((e) => (
                <li key={e.id}>
                  {e.days} day{e.days === 1 ? "" : "s"}: {e.status}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <div className="card">
          <h2 className="small-heading">History</h2>
          <ol className="timeline">
            {o.history.map((h, index) => (
              <li key={index}>
                {STATUS_LABELS[h.to_status]} <span className="muted small">{formatDate(h.at)}</span>
                {h.note ? <p className="small">{h.note}</p> : null}
              </li>
            ))}
          </ol>
        </div>
      </aside>
    </div>
  );
}

export default function OrderPage() {
  const { id = "" } = useParams();
  return (
    <SignedIn>
      <Order id={id} />
    </SignedIn>
  );
}
