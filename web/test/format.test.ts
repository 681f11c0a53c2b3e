// What people type becomes what the API wants, and what the API says becomes what people read.
import { describe, expect, it } from "vitest";
import { ApiFailure, formatMoney } from "../src/api/client";
import { mergeMessages } from "../src/pages/Conversation";
import { sandboxReference } from "../src/ui/payment";
import { splitList, toCents } from "../src/ui/format";
import { nextPath } from "../src/ui/next";
import type { MessageView } from "../src/api/client";

describe("input", () => {
  it("turns dollars into cents and refuses what is not an amount", () => {
    expect(toCents("60")).toBe(6000);
    expect(toCents("19.99")).toBe(1999);
    expect(toCents("0.1")).toBe(10);
    expect(toCents("")).toBeUndefined();
    expect(toCents("-5")).toBeUndefined();
    expect(toCents("ten")).toBeUndefined();
  });

  it("splits comma lists without empty items", () => {
    expect(splitList(" logo, watercolour ,, ")).toEqual(["logo", "watercolour"]);
    expect(splitList("")).toEqual([]);
  });

  it("returns only to paths of this site after signing in", () => {
    expect(nextPath(new URLSearchParams("next=/orders/1"))).toBe("/orders/1");
    expect(nextPath(new URLSearchParams("next=https://evil.example"))).toBe("/");
    expect(nextPath(new URLSearchParams("next=//evil.example"))).toBe("/");
  });
});

describe("output", () => {
  it("shows cents as money", () => {
    expect(formatMoney({ amount: 6000, currency: "USD" })).toBe("$60.00");
    expect(formatMoney({ amount: 1999, currency: "EUR" })).toBe("€19.99");
  });

  it("reads the platform's error shape, and says something useful without one", () => {
    const failure = ApiFailure.from(422, { error: { code: "validation", message: "some fields are invalid", fields: { title: ["too short"] } } });
    expect([failure.status, failure.code, failure.message, failure.fields]).toEqual([422, "validation", "some fields are invalid", { title: ["too short"] }]);
    expect(ApiFailure.from(502, "<html>").message).toBe("The server answered 502; try again.");
    expect(ApiFailure.from(0, null).message).toBe("The network is unreachable; try again.");
  });

  it("finds the sandbox reference in a confirmation URL", () => {
    expect(sandboxReference("http://127.0.0.1:4000/api/v1/payments/sandbox/pay_123/confirm")).toBe("pay_123");
    expect(sandboxReference("https://checkout.stripe.com/pay/cs_1")).toBeNull();
    expect(sandboxReference(null)).toBeNull();
  });

  it("keeps each message once, in order, whether it came by socket or by page", () => {
    const message = (seq: number, body = `m${seq}`) => ({ id: `id${seq}`, seq, body }) as MessageView;
    const merged = mergeMessages([message(1), message(3)], [message(2), message(3, "again")]);
    expect(merged.map((m) => [m.seq, m.body])).toEqual([
      [1, "m1"],
      [2, "m2"],
      [3, "again"],
    ]);
  });
});
