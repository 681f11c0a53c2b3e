// Paying an order in the payment sandbox: the card number goes to the order's confirmation URL
// (4242 4242 4242 4242 succeeds; the sandbox's failing numbers fail the payment).
import { useState } from "react";
import { ApiFailure, api, formatMoney, unwrap, type OrderView } from "../api/client";
import { Field, FormError, SubmitButton, useSubmit } from "./form";

/** The path of a confirmation URL on this platform (`https://host/api/v1/payments/sandbox/R/confirm`). */
export function sandboxReference(url: string | null | undefined): string | null {
  if (!url) return null;
  const match = /\/api\/v1\/payments\/sandbox\/([^/]+)\/confirm$/.exec(new URL(url, "http://x").pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

export function SandboxPayment({ order, paid }: { order: OrderView; paid: (order: OrderView) => void }) {
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
