// Paying an order through Stripe: Stripe.js (loaded from js.stripe.com only when this chunk is
// used, which the gateway's Content-Security-Policy allows once a publishable key is set) draws
// its Payment Element for the order's PaymentIntent; the buyer confirms in place. Stripe tells
// the orders service by webhook, which starts the order: the page shows it as soon as the
// order's status changes (live, and on the reload after confirming).
import { useEffect, useRef, useState, type FormEvent } from "react";
import { loadStripe } from "@stripe/stripe-js/pure";
import type { Stripe, StripeElements } from "@stripe/stripe-js";
import { api, formatMoney, messageOf, unwrap, type OrderView } from "../api/client";
import { FormError, SubmitButton } from "./form";

type Props = { order: OrderView; clientSecret: string; publishableKey: string; paid: (order: OrderView) => void };

export default function StripePayment({ order, clientSecret, publishableKey, paid }: Props) {
  const mount = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let gone = false;
    loadStripe(publishableKey)
      .then((loaded) => {
        if (gone || !mount.current) return;
        if (!loaded) throw new Error("Stripe.js did not load.");
        const elements = loaded.elements({ clientSecret });
        elements.create("payment").mount(mount.current);
        setStripe({ stripe: loaded, elements });
      })
      .catch((failure: unknown) => {
        if (!gone) setMessage(`The card form could not load (${messageOf(failure)}). Check your connection and reload the page.`);
      });
    return () => {
      gone = true;
    };
  }, [publishableKey, clientSecret]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!stripe) return;
    setBusy(true);
    setMessage(null);
    try {
      const result = await stripe.stripe.confirmPayment({
        elements: stripe.elements,
        redirect: "if_required",
        confirmParams: { return_url: window.location.href },
      });
      if (result.error) {
        setMessage(result.error.message ?? "The payment was not accepted.");
        return;
      }
      setConfirmed(true);
      paid(await unwrap(api.GET("/api/v1/orders/{id}", { params: { path: { id: order.id } } })));
    } catch (failure) {
      setMessage(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Payment">
      <FormError message={message} />
      <div ref={mount} className="stripe-element" />
      {confirmed ? (
        <p role="status">Payment accepted: the order starts as soon as Stripe confirms it.</p>
      ) : (
        <SubmitButton busy={busy || !stripe}>Pay {formatMoney(order.total)}</SubmitButton>
      )}
    </form>
  );
}
