// The forms' checks follow the API contract: these limits come from gateway/openapi.json.
import { describe, expect, it } from "vitest";
import { limitsOf, validate } from "../src/api/validate";

describe("validate", () => {
  it("accepts a sign-up the API accepts", () => {
    expect(validate("SignupRequest", { username: "bea_b", email: "bea@example.test", password: "correct horse battery", country: "DE" })).toEqual({});
  });

  it("names every field the API would refuse, as the API names them", () => {
    const errors = validate("SignupRequest", { username: "b!", email: "not-an-email", password: "short", country: "de" });
    expect(Object.keys(errors).sort()).toEqual(["country", "email", "password", "username"]);
    expect(errors.password).toBe(`must be at least ${limitsOf("SignupRequest", "password").minLength} characters`);
    expect(validate("SignupRequest", {}).username).toBe("is required");
  });

  it("checks lengths in characters, not bytes", () => {
    const title = "Ich male ein Aquarell für Bäckereien";
    expect(validate("CreateGigRequest", gig({ title })).title).toBeUndefined();
    expect(validate("CreateGigRequest", gig({ title: "é".repeat(101) })).title).toBe("must be at most 100 characters");
  });

  it("checks ranges, whole numbers, list sizes and choices", () => {
    expect(validate("CreateGigRequest", gig({ delivery_days: 91 })).delivery_days).toBe("must be at most 90");
    expect(validate("CreateGigRequest", gig({ delivery_days: 2.5 })).delivery_days).toBe("must be a whole number");
    expect(validate("CreateGigRequest", gig({ tags: [] })).tags).toBe("needs at least one");
    expect(validate("CreateGigRequest", gig({ sub_categories: ["logo-design", "illustration", "web-design", "seo"] })).sub_categories).toBe("may have at most 3");
    expect(validate("CreateGigRequest", gig({ category: "gardening" })).category).toBe("choose one of the options");
    expect(validate("NewOffer", { description: "Two logos", price: 499, delivery_days: 3, expires_at: "2030-01-01T00:00:00Z" }).price).toBe("must be at least 500");
  });

  it("follows nested schemas: money and languages", () => {
    expect(validate("CreateGigRequest", gig({ price: { amount: 6000, currency: "usd" } }))["price.currency"]).toBe("has characters that are not allowed");
    const seller = { full_name: "Sam Seller", one_liner: "I paint logos", description: "Twenty years of watercolour.", skills: ["logo"], response_time_hours: 24 };
    expect(validate("CreateSellerRequest", { ...seller, languages: [{ language: "E", level: "fluent" }] })["languages.0.language"]).toBe("must be at least 2 characters");
    expect(validate("CreateSellerRequest", { ...seller, languages: [{ language: "English", level: "fluent" }] })).toEqual({});
  });

  it("lets optional fields be left empty", () => {
    expect(validate("UpdateGigRequest", {})).toEqual({});
    expect(validate("CancelRequest", { reason: "" })).toEqual({});
  });
});

function gig(change: Record<string, unknown>) {
  return {
    title: "I will paint a watercolour bakery logo",
    description: "A hand painted watercolour logo for bakeries and cafes, scanned and vectorised.",
    category: "graphics-design",
    sub_categories: ["logo-design"],
    tags: ["watercolour"],
    price: { amount: 6000, currency: "USD" },
    delivery_days: 5,
    ...change,
  };
}
