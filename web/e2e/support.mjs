// What the browser tests share: Debian's Chromium through playwright-core, people signed up and
// verified by the links of their emails (read from the SMTP sink's files), axe-core, and
// screenshots kept in e2e/artifacts.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.MERCATO_URL ?? "http://127.0.0.1:4000";
const MAIL_DIR = process.env.MAIL_DIR ?? join(process.env.HOME ?? "/root", ".cache/mercato/mail");
export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
export const PASSWORD = "correct horse battery staple";
mkdirSync(ARTIFACTS, { recursive: true });
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A browser context whose pages fail the test on a script error or a policy violation. */
export async function person(browser, problems, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, baseURL: BASE });
  context.on("page", (page) => watch(page, problems));
  const page = await context.newPage();
  return { context, page };
}

function watch(page, problems) {
  page.on("pageerror", (error) => problems.push(`script error on ${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) problems.push(`policy violation on ${page.url()}: ${message.text()}`);
  });
}

/** A unique name for this run. */
export function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** The newest email to `address` whose subject matches, waiting up to 30 s for it. */
export async function email(address, subject) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = readdirSync(MAIL_DIR)
      .filter((name) => name.endsWith(".json"))
      .sort()
      .reverse()
      .map((name) => JSON.parse(readFileSync(join(MAIL_DIR, name), "utf8")))
      .find((mail) => mail.rcpt_to.includes(address) && subject.test(mail.subject));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no email to ${address} with a subject like ${subject} within 30 s`);
}

/** The link to `path` in an email's text. */
export function link(mail, path) {
  const found = mail.text.split(/\s+/).find((word) => word.includes(`${path}?token=`));
  if (!found) throw new Error(`no ${path} link in: ${mail.text}`);
  return found;
}

/** Signs up on the page and opens the verification email's link. */
export async function signUp(page, username) {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.test`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Country").selectOption("DE");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText(`Welcome to Mercato, ${username}!`).waitFor();
  const mail = await email(`${username}@example.test`, /Confirm your email address/);
  await page.goto(link(mail, "/verify-email"));
  await page.getByText("Your email address is verified.").waitFor();
}

/** axe-core's serious and critical violations on the page, as readable lines. */
export async function accessibilityProblems(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${page.url()}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

/** Runs `steps`; when one fails, keeps a screenshot of every open page of `contexts` first. */
export async function keepingEvidence(name, contexts, steps) {
  try {
    await steps();
  } catch (error) {
    let n = 0;
    for (const context of contexts) {
      for (const page of context.pages()) {
        await page.screenshot({ path: `${ARTIFACTS}failure-${name}-${n++}.png`, fullPage: true }).catch(() => undefined);
      }
    }
    throw error;
  }
}

/** Runs `step` until it passes, for at most `ms`; the last failure is thrown. */
export async function untilPasses(ms, step) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
