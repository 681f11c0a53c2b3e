// Every page at phone and desktop widths: a screenshot of each kept in e2e/artifacts, axe-core
// finds no serious or critical accessibility problem, and the first page's script stays within
// 200 KB gzipped. Pages are seen signed out, then as a demo seller with gigs, orders and chats.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { ARTIFACTS, BASE, accessibilityProblems, launch, person } from "./support.mjs";

const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function firstIds(page) {
  const get = async (path) => (await page.request.get(`${BASE}/api/v1${path}`)).json();
  const gigs = await get("/gigs?limit=1");
  const orders = await get("/orders?limit=1");
  const inbox = await get("/conversations?limit=1");
  return { gig: gigs.items[0].id, order: orders.items[0].id, conversation: inbox.items[0].id };
}

test("every page is accessible and pictured at phone and desktop widths", { timeout: 300_000 }, async () => {
  const problems = [];
  const found = [];
  for (const [width, viewport] of Object.entries(WIDTHS)) {
    const { context, page } = await person(browser, problems, viewport);
    const visit = async (name, path, ready) => {
      await page.goto(path);
      await page.getByRole(ready.role ?? "heading", { name: ready.name, exact: ready.exact }).first().waitFor();
      if (ready.then) await page.getByRole(ready.then).first().waitFor();
      await page.screenshot({ path: `${ARTIFACTS}${name}-${width}.png`, fullPage: true });
      found.push(...(await accessibilityProblems(page)));
    };
    await visit("home", "/", { name: /Top in/ });
    await visit("search", "/search?q=logo", { name: /Results for/ });
    await visit("signup", "/signup", { name: "Join Mercato" });
    await visit("signin", "/signin", { name: "Sign in", exact: true });
    await visit("forgot-password", "/forgot-password", { name: "Reset your password" });
    await visit("reset-password", "/reset-password?token=x", { name: "Choose a new password" });
    await visit("verify-email", "/verify-email?token=expired", { name: "Email verification", then: "alert" });
    await visit("not-found", "/no/such/page", { name: "This page does not exist" });

    await page.goto("/signin");
    await page.getByLabel("Username or email").fill("anna_designs");
    await page.getByLabel("Password").fill("mercato-demo-2026");
    await page.evaluate(() => localStorage.setItem("mercato.device", "demo-device"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "anna_designs" }).waitFor();
    const ids = await firstIds(page);
    await visit("gig", `/gigs/${ids.gig}`, { name: "About this gig" });
    await visit("seller", "/sellers/anna_designs", { name: "Anna Design" });
    await visit("settings", "/settings", { name: "Your account" });
    await visit("seller-profile", "/seller-profile", { name: "Edit your seller profile" });
    await visit("gig-new", "/gigs/new", { name: "List a new gig" });
    await visit("gig-edit", `/gigs/${ids.gig}/edit`, { name: "Edit gig" });
    await visit("inbox", "/inbox", { name: "Inbox" });
    await visit("conversation", `/inbox/${ids.conversation}`, { name: /Ben|ben_codes/ });
    await visit("checkout", `/checkout?gig=${ids.gig}`, { name: "Checkout" });
    await visit("orders", "/orders", { name: "Orders" });
    await visit("order", `/orders/${ids.order}`, { name: "History" });
    await visit("notifications", "/notifications", { name: "Notifications" });
    await context.close();
  }
  writeFileSync(`${ARTIFACTS}accessibility.txt`, found.join("\n") + "\n");
  assert.deepEqual(found, [], "axe-core found serious or critical problems");
  assert.deepEqual(problems, []);
});

test("the first page loads at most 200 KB of gzipped script", { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let bytes = 0;
  page.on("response", async (response) => {
    // What crossed the network: the compressed size.
    if (response.request().resourceType() === "script") bytes += (await response.request().sizes()).responseBodySize;
  });
  await page.goto(BASE + "/", { waitUntil: "networkidle" });
  await page.getByRole("heading", { name: /Top in/ }).first().waitFor();
  await context.close();
  writeFileSync(`${ARTIFACTS}first-page-script.txt`, `${bytes} bytes\n`);
  assert.ok(bytes > 10_000, `only ${bytes} bytes of script: the page did not load`);
  assert.ok(bytes <= 200 * 1024, `the first page loads ${bytes} bytes of script`);
});
