// The marketplace journey by clicking, in two browsers at once: a seller lists a gig with a
// cover, a buyer finds it and writes; each sees the other's messages, read marks, presence,
// offer and order changes live; the order is paid in the sandbox, extended, delivered,
// completed and reviewed by both. Then the email links: a forgotten password reset, and a sign-in
// on a new device with the emailed one-time code. No page may raise a script error or break the
// Content-Security-Policy.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PASSWORD, email, keepingEvidence, launch, link, person, signUp, unique, untilPasses } from "./support.mjs";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
let browser;
const problems = [];
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a seller and a buyer do business in two browsers, live", { timeout: 240_000 }, async () => {
  const sam = unique("sam");
  const bea = unique("bea");
  const seller = await person(browser, problems);
  const buyer = await person(browser, problems);
  const s = seller.page;
  const b = buyer.page;
  await keepingEvidence("journey", [seller.context, buyer.context], async () => {

  // The seller: an account verified by the email's link, a seller profile, a gig with a cover.
  await signUp(s, sam);
  await s.goto("/settings");
  await s.getByRole("link", { name: "Become a seller" }).click();
  await s.getByLabel("Full name").fill("Sam Seller");
  await s.getByLabel("One-line pitch").fill("Watercolour logos");
  await s.getByLabel("About you").fill("Ten years of painting logos for bakeries and cafes.");
  await s.getByLabel("Skills").fill("logo, watercolour");
  await s.getByRole("button", { name: "Create seller profile" }).click();
  await s.getByRole("heading", { name: "Sam Seller" }).waitFor();
  await s.getByRole("link", { name: "New gig" }).click();
  const title = `I will paint a watercolour logo ${sam}`;
  await s.getByLabel("Title").fill(title);
  await s.getByLabel("Description").fill("A hand painted watercolour logo for bakeries and cafes, scanned and vectorised.");
  await s.getByLabel("Category").selectOption("graphics-design");
  await s.getByLabel("Logo Design").check();
  await s.getByLabel("Tags").fill(`watercolour, ${sam}`);
  await s.getByLabel("Price (USD)").fill("60");
  await s.getByLabel("Delivery (days)").fill("5");
  await s.getByLabel("Cover image").setInputFiles({ name: "cover.png", mimeType: "image/png", buffer: PNG });
  await s.getByText("Uploading the cover…").waitFor({ state: "detached" });
  await s.getByRole("button", { name: "Publish gig" }).click();
  await s.getByRole("heading", { name: title }).waitFor();
  const cover = await s.getByRole("img", { name: `Cover of ${title}` }).evaluate((img) => img.naturalWidth);
  assert.equal(cover, 1, "the cover image loads from object storage");

  // The buyer finds the gig by search and writes to the seller.
  await signUp(b, bea);
  await b.getByRole("searchbox", { name: "Search gigs" }).fill(sam);
  await b.getByRole("button", { name: "Search", exact: true }).click();
  await b.getByRole("link", { name: title }).click();
  // Chat learns of new accounts by events: until it has, the page says so and the buyer retries.
  await untilPasses(60_000, async () => {
    await b.getByRole("button", { name: "Contact seller" }).click();
    await b.waitForURL(/\/inbox\//, { timeout: 2000 });
  });
  await b.getByLabel("Message", { exact: true }).fill("Could you paint two versions?");
  await b.getByRole("button", { name: "Send", exact: true }).click();

  // The seller sees it arrive in the inbox, live, and opens it: the buyer sees "Seen".
  await s.getByRole("link", { name: "Inbox" }).click();
  await s.getByRole("link", { name: bea }).click();
  await s.getByText("Could you paint two versions?").waitFor();
  await b.getByTestId("seen").waitFor();
  await s.getByLabel("Message", { exact: true }).fill("Yes, with a colour guide.");
  await s.getByRole("button", { name: "Send", exact: true }).click();
  await b.getByText("Yes, with a colour guide.").waitFor();

  // Presence: the seller's tab closes and comes back; the buyer sees it.
  const conversation = s.url();
  await s.close();
  await b.getByTestId("presence").getByText("offline").waitFor();
  const s2 = await seller.context.newPage();
  await s2.goto(conversation);
  await b.getByTestId("presence").getByText("online").waitFor();

  // A custom offer, accepted live; the seller sees the acceptance without reloading.
  await s2.getByLabel("What you will deliver").fill("Two watercolour logos and a colour guide");
  await s2.getByLabel("Offer price (USD)").fill("90");
  await s2.getByLabel("Offer delivery (days)").fill("6");
  await s2.getByRole("button", { name: "Send offer" }).click();
  await b.getByRole("button", { name: "Accept offer" }).click();
  await s2.getByTestId("offer").getByText("accepted").waitFor();

  // Checkout with the sandbox card.
  await b.getByRole("link", { name: "Order this offer" }).click();
  await b.getByLabel("Requirements for the seller").fill("Bakery name: Crumbs");
  await b.getByRole("button", { name: "Place order" }).click();
  await b.getByLabel("Card number").fill("4242 4242 4242 4242");
  await b.getByRole("button", { name: /^Pay / }).click();
  await b.getByTestId("order-status").getByText("In progress").waitFor();
  const order = new URL(b.url()).pathname;

  // The seller asks for more days; the buyer approves on a page that updates by itself.
  await s2.goto(order);
  await s2.getByLabel("Extra days").fill("2");
  await s2.getByLabel("Reason", { exact: true }).fill("The second version needs more drying time");
  await s2.getByRole("button", { name: "Ask the buyer" }).click();
  await b.getByRole("button", { name: "Approve extension" }).click();
  await s2.getByText("2 days: approved").waitFor();

  // Delivery with a file: the buyer's page and unread count change live; completion.
  const unreadBefore = Number(await b.getByTestId("unread-count").textContent());
  await s2.getByLabel("Delivery message").fill("Both versions are attached");
  await s2.getByLabel("Files").setInputFiles({ name: "logos.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n") });
  await s2.getByRole("button", { name: "Deliver", exact: true }).click();
  await b.getByTestId("order-status").getByText("Delivered").waitFor();
  await b.getByRole("link", { name: "logos.pdf" }).waitFor();
  await b.waitForFunction((before) => Number(document.querySelector("[data-testid=unread-count]")?.textContent) > before, unreadBefore);
  await b.getByRole("button", { name: "Complete order" }).click();
  await b.getByTestId("order-status").getByText("Completed").waitFor();
  await s2.getByTestId("order-status").getByText("Completed").waitFor();

  // Both review; the gig page shows the buyer's review.
  for (const [page, text] of [
    [b, "Beautiful logos, and early."],
    [s2, "Clear brief, quick answers."],
  ]) {
    await page.getByLabel("5 stars").check();
    await page.getByLabel("Your review").fill(text);
    // Reviews hears of the completion by event: until it has, the form says so and is sent again.
    await untilPasses(60_000, async () => {
      await page.getByRole("button", { name: "Publish review" }).click();
      await page.getByText("You reviewed this order. Thank you!").waitFor({ timeout: 2000 });
    });
  }
  });
  assert.deepEqual(problems, []);
  await seller.context.close();
  await buyer.context.close();
});

test("a forgotten password is reset from the email, and a new device signs in with the emailed code", { timeout: 120_000 }, async () => {
  const dan = unique("dan");
  const first = await person(browser, problems);
  await signUp(first.page, dan);
  await first.context.close();

  const other = await person(browser, problems);
  const page = other.page;
  await page.goto("/signin");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill(`${dan}@example.test`);
  await page.getByRole("button", { name: "Send the link" }).click();
  await page.getByText("a link to reset its password is on its way").waitFor();
  await page.goto(link(await email(`${dan}@example.test`, /Reset your Mercato password/), "/reset-password"));
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByText("New password must be at least 10 characters").waitFor();
  const fresh = `${PASSWORD} again`;
  await page.getByLabel("New password").fill(fresh);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByText("Your password is changed").waitFor();
  await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();

  await page.getByLabel("Username or email").fill(dan);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").waitFor().catch(async (e) => { await page.screenshot({ path: "/tmp/signin.png" }); throw e; });
  await page.getByLabel("Password").fill(fresh);
  await page.getByRole("button", { name: "Sign in" }).click();
  const mail = await email(`${dan}@example.test`, /sign-in code/);
  const code = /code: (\d+)/.exec(mail.subject)[1];
  await page.getByLabel("One-time code").fill(code);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: dan }).waitFor();
  assert.deepEqual(problems, []);
  await other.context.close();
});
