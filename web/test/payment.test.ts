// Which payment form an order gets: Stripe's card form only with both the order's client
// secret and the page's publishable key, the sandbox for a sandbox payment, and otherwise a
// reason instead of a form that cannot work.
import { afterEach, describe, expect, it } from "vitest";
import { paymentForm, sandboxReference, stripeKey } from "../src/ui/payment";

const stripe = { provider: "stripe", reference: "pi_1", client_secret: "pi_1_secret_2" };
const sandbox = { provider: "sandbox", reference: "sbx_9", confirmation_url: "http://m.test/api/v1/payments/sandbox/sbx_9/confirm" };

afterEach(() => {
  document.head.innerHTML = "";
});

describe("payment form", () => {
  it("is Stripe's with the client secret and the page's key", () => {
    expect(paymentForm(stripe, "pk_test_1")).toEqual({ kind: "stripe", clientSecret: "pi_1_secret_2", key: "pk_test_1" });
  });

  it("is no form for a Stripe payment when the page has no key, or the order no secret", () => {
    expect(paymentForm(stripe, null).kind).toBe("none");
    expect(paymentForm({ ...stripe, client_secret: null }, "pk_test_1").kind).toBe("none");
  });

  it("says the provider's reason after a declined payment", () => {
    expect(paymentForm({ provider: "stripe", error: "Your card was declined." }, "pk_test_1")).toEqual({ kind: "none", reason: "Your card was declined." });
  });

  it("is the sandbox's for a sandbox payment, whatever the key", () => {
    expect(paymentForm(sandbox, null)).toEqual({ kind: "sandbox", reference: "sbx_9" });
    expect(paymentForm(sandbox, "pk_test_1")).toEqual({ kind: "sandbox", reference: "sbx_9" });
    expect(paymentForm(null, "pk_test_1").kind).toBe("none");
  });

  it("reads the sandbox reference only from this platform's confirmation path", () => {
    expect(sandboxReference("/api/v1/payments/sandbox/a%20b/confirm")).toBe("a b");
    expect(sandboxReference("https://evil.test/pay")).toBeNull();
  });

  it("takes the key from the meta tag the gateway adds", () => {
    expect(stripeKey()).toBeNull();
    document.head.innerHTML = '<meta name="mercato-stripe-key" content="pk_live_7">';
    expect(stripeKey()).toBe("pk_live_7");
  });
});
