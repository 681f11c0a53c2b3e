// The sign-in page: it checks the form as the API does before sending, shows the server's own
// message, and asks for the one-time code when the API answers 202.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import SignIn from "../src/pages/SignIn";
import { SessionProvider } from "../src/session";

type Answer = { status: number; body: unknown };
let answers: Record<string, Answer>;
let sent: { url: string; body: unknown }[];

beforeEach(() => {
  sent = [];
  answers = { "/api/v1/auth/me": { status: 401, body: { error: { code: "unauthenticated", message: "sign in" } } } };
  vi.stubGlobal("fetch", async (input: Request | string) => {
    const request = typeof input === "string" ? new Request(`http://web.test${input}`) : input;
    const url = new URL(request.url).pathname;
    sent.push({ url, body: request.method === "POST" ? await request.clone().json().catch(() => null) : null });
    const answer = answers[url] ?? { status: 404, body: { error: { code: "not_found", message: "no such route" } } };
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body), { status: answer.status, headers: { "content-type": "application/json" } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function page() {
  render(
    <MemoryRouter initialEntries={["/signin"]}>
      <SessionProvider>
        <SignIn />
      </SessionProvider>
    </MemoryRouter>,
  );
}

describe("sign in", () => {
  it("sends nothing while a required field is empty", async () => {
    page();
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Username or email is required")).toBeTruthy();
    expect(sent.filter((s) => s.url === "/api/v1/auth/signin")).toEqual([]);
  });

  it("shows the server's message when the password is wrong", async () => {
    answers["/api/v1/auth/signin"] = { status: 401, body: { error: { code: "invalid_credentials", message: "the login or password is wrong" } } };
    page();
    fireEvent.change(screen.getByLabelText("Username or email"), { target: { value: "bea" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "nope nope nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("the login or password is wrong");
  });

  it("asks for the emailed code on a new device and sends it with the challenge", async () => {
    answers["/api/v1/auth/signin"] = { status: 202, body: { otp_required: true, challenge_id: "ch-1" } };
    answers["/api/v1/auth/signin/otp"] = { status: 401, body: { error: { code: "invalid_code", message: "the code is wrong or expired" } } };
    page();
    fireEvent.change(screen.getByLabelText("Username or email"), { target: { value: "bea" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "correct horse battery" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    fireEvent.change(await screen.findByLabelText("One-time code"), { target: { value: " 482913 " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("the code is wrong or expired");
    const signin = sent.find((s) => s.url === "/api/v1/auth/signin")?.body as { device_id: string };
    expect(signin.device_id).toMatch(/^web-/);
    expect(sent.find((s) => s.url === "/api/v1/auth/signin/otp")?.body).toEqual({ challenge_id: "ch-1", code: "482913" });
  });
});
