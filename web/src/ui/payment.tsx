// Paying an order: the form its payment calls for. Stripe's card form (Stripe Elements, in a
// chunk of its own, ./stripe) when the order pays through Stripe and the gateway gave the page
// a publishable key; otherwise the payment sandbox, where the card number goes to the order's
// confirmation URL (4242 4242 4242 4242 succeeds; the sandbox's failing numbers fail it).
import { Suspense, lazy, useState } from "react";
import { ApiFailure, api, formatMoney, unwrap, type OrderView } from "../api/client";
import { Loading } from "./bits";
import { Field, FormError, SubmitButton, useSubmit } from "./form";

const StripePayment = lazy(() => import("./stripe"));

/** The publishable key the gateway puts in the page (`STRIPE_PUBLISHABLE_KEY`), if any. */
export function stripeKey(): string | null {
  return document.querySelector<HTMLMetaElement>('meta[name="mercato-stripe-key"]')?.content || null;
}

export type PaymentForm = { kind: "stripe"; clientSecret: string; key: string } | { kind: "sandbox"; reference: string } | { kind: "none"; reason: string };

/** Which form pays `payment`, given the page's Stripe key. */
export function paymentForm(payment: OrderView["payment"], key: string | null): PaymentForm {
  if (payment?.provider === "stripe") {
    if (payment.client_secret && key) return { kind: "stripe", clientSecret: payment.client_secret, key };
    return { kind: "none", reason: payment.error ?? "Card payments are not set up on this site yet: please try again later." };
  }
  const reference = sandboxReference(payment?.confirmation_url);
  if (reference) return { kind: "sandbox", reference };
  return { kind: "none", reason: payment?.error ?? "This order has no payment waiting." };
}

/** The payment form of `order` (its buyer's, while unpaid); `paid` gets the order after. */
export function Payment({ order, paid }: { order: OrderView; paid: (order: OrderView) => void }) {
  const form = paymentForm(order.payment, stripeKey());
  if (form.kind === "none") return <p className="muted">{form.reason}</p>;
  if (form.kind === "sandbox") return <SandboxPayment order={order} paid={paid} />;
  return (
    <Suspense fallback={<Loading />}>
      <StripePayment order={order} clientSecret={form.clientSecret} publishableKey={form.key} paid={paid} />
    </Suspense>
  );
}

/** The path of a confirmation URL on this platform (`https://host/api/v1/payments/sandbox/R/confirm`). */
export function sandboxReference(url: string | null | undefined): string | null {
  if (!url) return null;
  const match = /\/api\/v1\/payments\/sandbox\/([^/]+)\/confirm$/.exec(new URL(url, "http://x").pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

function SandboxPayment({ order, paid }: { order: OrderView; paid: (order: OrderView) => void }) {
  const [card, setCard] = useState("");
  const reference = sandboxReference(order.payment?.confirmation_url);
  const { errors, message, busy, submit } = useSubmit(
    "SandboxPayment",
    () => ({ card_number: card.replace(/\s+/g, "") }),
    async (body) => {
      if (!reference) throw new ApiFailure(409, "no_payment", "This order has no sandbox payment to confirm.");
      paid(await unwrap(api.POST("/api/v1/payments/sandbox/{reference}/confirm", { params: { path: { reference } }, body })));
    },
  );
  if (!reference) return <p className="muted">{order.payment?.error ?? "This order's payment is handled by its provider."}</p>;
  return (
    <form onSubmit={submit} noValidate aria-label="Payment">
      <p className="muted small">Test payments: card 4242 4242 4242 4242 succeeds.</p>
      <FormError message={message} />
      <Field label="Card number" error={errors.card_number}>
        <input value={card} onChange={(e) => setCard(e.target.value)} inputMode="numeric" autoComplete="cc-number" />
      </Field>
      <SubmitButton busy={busy}>Pay {formatMoney(order.total)}</SubmitButton>
    </form>
  );
}
