// Checkout: the gig or accepted offer being bought, the requirements for the seller, then the
// payment. The order is placed with an idempotency key made once per checkout, so a repeated
// click or a retry after a lost answer finds the same order instead of a second one.
import { useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, formatMoney, unwrap, type OrderView } from "../api/client";
import { ErrorNote, Loading, SignedIn, useTitle } from "../ui/bits";
import { Field, FormError, SubmitButton, useSubmit } from "../ui/form";
import { useLoad } from "../ui/load";
import { Payment } from "../ui/payment";

function Summary() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const gigId = params.get("gig");
  const offerId = params.get("offer");
  const gig = useLoad(async () => (gigId ? unwrap(api.GET("/api/v1/gigs/{id}", { params: { path: { id: gigId } } })) : null), [gigId]);
  const key = useMemo(() => crypto.randomUUID(), []);
  const [requirements, setRequirements] = useState("");
  const [order, setOrder] = useState<OrderView | null>(null);
  const place = useSubmit(
    "PlaceOrderRequest",
    () => ({ ...(offerId ? { offer_id: offerId } : { gig_id: gigId ?? "" }), requirements: requirements.trim() }),
    async (body) => {
      const placed = await unwrap(api.POST("/api/v1/orders", { body, params: { header: { "Idempotency-Key": key } } }));
      if (placed.status !== "pending_payment") navigate(`/orders/${placed.id}`);
      setOrder(placed);
    },
  );
  if (!gigId && !offerId) return <ErrorNote message="Nothing to check out: open a gig or an accepted offer first." />;
  if (gig.error) return <ErrorNote message={gig.error} retry={gig.reload} />;
  if (gigId && !gig.data) return <Loading />;
  if (order) {
    return (
      <section className="narrow card">
        <h1>Pay for your order</h1>
        <p>
          {order.gig.title}: {formatMoney(order.price)} + service fee {formatMoney(order.service_fee)} = <strong>{formatMoney(order.total)}</strong>
        </p>
        <Payment order={order} paid={(paid) => navigate(`/orders/${paid.id}`)} />
      </section>
    );
  }
  return (
    <section className="narrow card">
      <h1>Checkout</h1>
      <p>{gig.data ? `${gig.data.title} — ${formatMoney(gig.data.price)}, delivered in ${gig.data.delivery_days} days` : "Your accepted custom offer"}</p>
      <form onSubmit={place.submit} noValidate>
        <FormError message={place.message} />
        <Field label="Requirements for the seller" error={place.errors.requirements} hint="What the seller needs to start: names, sizes, links.">
          <textarea rows={5} value={requirements} onChange={(e) => setRequirements(e.target.value)} />
        </Field>
        <SubmitButton busy={place.busy}>Place order</SubmitButton>
      </form>
    </section>
  );
}

export default function Checkout() {
  useTitle("Checkout");
  return (
    <SignedIn>
      <Summary />
    </SignedIn>
  );
}
