// Hearth end-to-end smoke test: a receptionist signs in, registers a patient, finds them
// through the patient list and the global search (htmx), and signs out; axe-core scans the
// key pages in light and dark themes. Drives Debian's Chromium through playwright-core;
// never downloads a browser.
//
// usage: node e2e/smoke.mjs http://127.0.0.1:PORT
// prints "N passed, M failed" as its last line; exits 1 when anything failed.

import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { vitalsAndBanner } from "./v.mjs";
import { chartEntryChecks } from "./w.mjs";
import { frontDesk } from "./x.mjs";
import { recordModelChecks } from "./z.mjs";
import { startPageChecks } from "./y.mjs";
import { otherIdentifiers } from "./p.mjs";
import { languages } from "./l.mjs";
import { appointments } from "./appointments.mjs";
import { emergencyChecks } from "./emergency.mjs";
import { pharmacyChecks } from "./pharmacy.mjs";
import { laboratoryChecks } from "./laboratory.mjs";
import { inpatientChecks } from "./inpatient.mjs";
import { moduleChecks } from "./modules.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const base = (process.argv[2] || process.env.HEARTH_E2E_URL || "").replace(/\/+$/, "");
if (!base) {
  console.error("usage: node e2e/smoke.mjs <base url>");
  process.exit(2);
}

const EMAIL = "reception@demo.hearth";
const PASSWORD = "Demo!Hearth2026";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const shots = join(here, "test-results");
mkdirSync(shots, { recursive: true });

// The CSP forbids inline scripts, so axe is not injected with a <script> tag (which would be
// blocked and reported as a violation); page.evaluate runs it through DevTools instead.
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// A unique, letters-only patient so searches find exactly this one.
const rand = (n) => Array.from({ length: n }, () => "abcdefghjkmnpqrstuvwxyz"[Math.floor(Math.random() * 23)]).join("");
const patient = {
  given: "Ada",
  family: "Quill" + rand(6),
  sex: "female",
  birth: "1984-03-12",
  phone: "+44 20 7946 " + String(1000 + Math.floor(Math.random() * 8999)),
  nationalId: "E2E" + String(Date.now()).slice(-9),
};
const fullNameRe = new RegExp(`${patient.given}\\s+${patient.family}|${patient.family},?\\s+${patient.given}`, "i");

let passed = 0;
let failed = 0;
const failures = [];

async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    failed++;
    const msg = (e && e.message ? e.message : String(e)).split("\n").slice(0, 12).join("\n       ");
    failures.push(name);
    console.log(`FAIL ${name}\n       ${msg}`);
    return false;
  }
}

class Abort extends Error {}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function axeScan(page, label) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!hasAxe) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // Scan the page from its top: after a field was filled further down, the breadcrumbs sit
    // partly under the sticky patient banner, and axe's target-size counts a link scrolled
    // beneath a sticky header as an obscured target (it is whole again when scrolled back).
    window.scrollTo(0, 0);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const r = await window.axe.run(document, {
      resultTypes: ["violations"],
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")} :: ${(n.failureSummary || "").replace(/\s+/g, " ").slice(0, 220)}`),
    }));
  });
  const minor = result.filter((v) => v.impact !== "serious" && v.impact !== "critical");
  for (const v of minor) console.log(`       axe (${label}) ${v.impact}: ${v.id} — ${v.help} [${v.nodes.length} node(s)]`);
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    const text = bad.map((v) => `${v.impact}: ${v.id} — ${v.help}\n         ${v.nodes.join("\n         ")}`).join("\n       ");
    throw new Error(`axe found ${bad.length} serious/critical violation(s) on ${label}:\n       ${text}`);
  }
}

async function setTheme(page, theme) {
  await page.evaluate((t) => {
    localStorage.setItem("hearth-theme", t);
    document.documentElement.setAttribute("data-theme", t);
  }, theme);
}

const profile = mkdtempSync(join(tmpdir(), "hearth-e2e-chromium-"));
let context;
const problems = []; // page errors and CSP violations seen anywhere

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    viewport: { width: 1280, height: 860 },
    colorScheme: "light",
    reducedMotion: "reduce",
    locale: "en-GB",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(8000);
  context.setDefaultNavigationTimeout(15000);

  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) {
      const at = m.location && m.location();
      const where = at && at.url ? ` (at ${at.url}:${at.lineNumber})` : "";
      problems.push(`console error on ${page.url()}${where}: ${text}`);
    }
  });

  // ------------------------------------------------------------------ sign in
  const loginOk = await check("login page renders with email and password fields", async () => {
    const res = await page.goto(`${base}/login`);
    assert(res && res.status() === 200, `GET /login gave ${res && res.status()}`);
    await page.getByLabel("Email").waitFor();
    await page.getByLabel("Password").waitFor();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const csp = res.headers()["content-security-policy"] || "";
    assert(csp.includes("script-src 'self'") && !csp.includes("unsafe-inline"), `unexpected CSP: ${csp}`);
    await shot(page, "01-login-light");
  });
  if (loginOk) await check("axe: login page has no serious or critical violations", () => axeScan(page, "login"));

  const signedIn = await check("receptionist signs in and sees the dashboard", async () => {
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
    await page.getByRole("heading", { level: 1, name: /Welcome/ }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await shot(page, "02-dashboard-light");
  });
  if (!signedIn) throw new Abort("cannot continue without a session");

  await check("static assets load (htmx, app.js, theme) under the CSP", async () => {
    const state = await page.evaluate(() => ({
      htmx: typeof window.htmx !== "undefined" && window.htmx.version,
      theme: document.documentElement.getAttribute("data-theme"),
      css: getComputedStyle(document.querySelector(".topbar")).position,
    }));
    assert(state.htmx && state.htmx.startsWith("2."), `htmx not loaded: ${JSON.stringify(state)}`);
    assert(state.theme === "light", `theme.js did not set data-theme (got ${state.theme})`);
    assert(state.css === "sticky", `app.css not applied (topbar position ${state.css})`);
    const logo = await page.request.get(`${base}/static/img/hearth.svg`);
    assert(logo.ok() && (logo.headers()["content-type"] || "").includes("svg"), "logo not served as SVG");
  });

  // ------------------------------------------------------------------ register a patient
  const formOk = await check("registration form opens at /patients/new", async () => {
    const res = await page.goto(`${base}/patients/new`);
    assert(res && res.status() === 200, `GET /patients/new gave ${res && res.status()}`);
    await page.getByRole("heading", { level: 1, name: "Register patient" }).waitFor();
    await shot(page, "03-register-light");
  });
  if (formOk) await check("axe: registration form has no serious or critical violations", () => axeScan(page, "registration form"));

  await check("an empty registration re-renders with field errors (and stays accessible)", async () => {
    await Promise.all([page.waitForLoadState("domcontentloaded"), page.waitForResponse((r) => r.url().endsWith("/patients") && r.request().method() === "POST"), page.getByRole("button", { name: "Register" }).click()]);
    await page.locator(".flash-error").waitFor();
    const errors = await page.locator(".field-error").count();
    assert(errors >= 2, `expected errors for the name fields, got ${errors}`);
    const invalid = await page.locator("#given_name").getAttribute("aria-invalid");
    assert(invalid === "true", "given_name is not marked aria-invalid");
    await shot(page, "03b-register-errors-light");
    await axeScan(page, "registration form with errors");
  });

  let patientUrl = null;
  const registered = await check("patient registers and the patient page shows the name and an MRN", async () => {
    await page.locator("#given_name").fill(patient.given);
    await page.locator("#family_name").fill(patient.family);
    await page.locator("#sex").selectOption(patient.sex);
    await page.locator("#birth_date").fill(patient.birth);
    await page.locator("#phone").fill(patient.phone);
    await page.locator("#national_id").fill(patient.nationalId);
    await Promise.all([
      page.waitForURL((u) => /^\/patients\/[^/]+$/.test(u.pathname) && u.pathname !== "/patients/new"),
      page.getByRole("button", { name: "Register" }).click(),
    ]);
    const h1 = (await page.locator("main h1").first().innerText()).trim();
    assert(fullNameRe.test(h1), `patient heading "${h1}" does not show ${patient.given} ${patient.family}`);
    const mrn = (await page.locator(".banner-facts dt", { hasText: "MRN" }).locator("xpath=following-sibling::dd[1]").innerText()).trim();
    assert(/^[A-Z0-9][A-Z0-9-]{3,}$/i.test(mrn) && /\d/.test(mrn), `no MRN on the patient page (got "${mrn}")`);
    const details = await page.locator(".facts").innerText();
    assert(details.includes(patient.nationalId), "national ID not shown on the patient page");
    patientUrl = page.url();
    console.log(`       registered ${patient.given} ${patient.family}, MRN ${mrn}`);
    await shot(page, "04-patient-light");
  });
  if (registered) await check("axe: patient page has no serious or critical violations", () => axeScan(page, "patient page"));

  // ------------------------------------------------------------------ patient list search
  await check("patient list search (q) by family name finds the patient", async () => {
    const res = await page.goto(`${base}/patients`);
    assert(res && res.status() === 200, `GET /patients gave ${res && res.status()}`);
    await page.locator("#q").fill(patient.family);
    await Promise.all([page.waitForURL((u) => u.pathname === "/patients" && u.searchParams.get("q") === patient.family), page.locator("#q").press("Enter")]);
    const link = page.locator("table.table tbody a", { hasText: patient.family });
    await link.first().waitFor();
    assert((await link.count()) === 1, `expected exactly one match, got ${await link.count()}`);
    await shot(page, "05-patients-light");
  });
  await check("axe: patient list has no serious or critical violations", () => axeScan(page, "patient list"));

  // ------------------------------------------------------------------ patients of the day (live over SSE)
  await check("patients of the day updates live when another page registers a patient", async () => {
    const live = await context.newPage();
    try {
      const res = await live.goto(`${base}/patients/today`);
      assert(res && res.status() === 200, `GET /patients/today gave ${res && res.status()}`);
      await live.locator("#today-rows", { hasText: patient.family }).waitFor();
      // Let the page's EventSource connect before the next registration.
      await live.waitForTimeout(800);
      const second = "Live" + rand(6);
      await page.goto(`${base}/patients/new`);
      await page.locator("#given_name").fill("Bo");
      await page.locator("#family_name").fill(second);
      await page.locator("#sex").selectOption("male");
      await page.locator("#age_years").fill("40");
      await Promise.all([
        page.waitForURL((u) => /^\/patients\/[^/]+$/.test(u.pathname) && u.pathname !== "/patients/new"),
        page.getByRole("button", { name: "Register" }).click(),
      ]);
      // No reload: the row arrives through /events and an htmx re-fetch.
      await live.locator("#today-rows", { hasText: second }).waitFor({ timeout: 10000 });
      await shot(live, "05b-patients-today-live");
      await axeScan(live, "patients of the day");
    } finally {
      await live.close();
      // Leave the main page where the search checks below expect it.
      await page.goto(`${base}/patients?q=${encodeURIComponent(patient.family)}`);
    }
  });

  // ------------------------------------------------------------------ global search (htmx)
  let suggestHeaders = null;
  await check("Ctrl+K focuses the global search box", async () => {
    await page.locator("main h1").click();
    await page.keyboard.press("Control+k");
    const active = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(active === "global-search", `focus is on "${active}", not #global-search`);
    await page.keyboard.press("Escape");
    await page.locator("main h1").click();
    await page.keyboard.press("/");
    const active2 = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(active2 === "global-search", `"/" put focus on "${active2}"`);
  });

  await check("global search suggests the patient via htmx with the CSRF header", async () => {
    const reqPromise = page.waitForRequest((r) => r.url().includes("/search/suggest") && r.url().includes(encodeURIComponent(patient.family)));
    await page.locator("#global-search").fill("");
    await page.locator("#global-search").pressSequentially(patient.family, { delay: 15 });
    const req = await reqPromise;
    suggestHeaders = req.headers();
    const link = page.locator("#search-suggest a", { hasText: patient.family });
    await link.first().waitFor({ state: "visible" });
    const meta = await page.locator('meta[name="csrf-token"]').getAttribute("content");
    assert(suggestHeaders["hx-request"] === "true", "suggest request was not made by htmx");
    assert(meta && suggestHeaders["x-csrf-token"] === meta, "htmx request lacks the X-CSRF-Token header from <meta name=csrf-token>");
    await shot(page, "06-suggest-light");
  });

  await check("arrow keys move through suggestions, Escape closes them", async () => {
    await page.locator("#global-search").focus();
    await page.keyboard.press("ArrowDown");
    const first = await page.evaluate(() => {
      const a = document.activeElement;
      return a && a.closest("#search-suggest") ? a.textContent : null;
    });
    assert(first && first.includes(patient.family), `ArrowDown did not focus the first suggestion (got ${first})`);
    await page.keyboard.press("ArrowUp");
    assert((await page.evaluate(() => document.activeElement.id)) === "global-search", "ArrowUp from the first suggestion did not return to the box");
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => document.getElementById("search-suggest").children.length === 0);
    assert(!(await page.locator("#search-suggest").isVisible()), "suggestions still visible after Escape");
  });

  await check("choosing a suggestion opens the patient page", async () => {
    await page.locator("#global-search").fill("");
    await page.locator("#global-search").pressSequentially(patient.family, { delay: 15 });
    const link = page.locator("#search-suggest a", { hasText: patient.family }).first();
    await link.waitFor({ state: "visible" });
    await page.keyboard.press("ArrowDown");
    await Promise.all([page.waitForURL((u) => /^\/patients\/[^/]+$/.test(u.pathname)), page.keyboard.press("Enter")]);
    assert(!patientUrl || page.url() === patientUrl, `went to ${page.url()}, expected ${patientUrl}`);
    await page.locator("main h1", { hasText: patient.family }).waitFor();
  });

  await check("global search by national ID (blind index) finds the patient", async () => {
    await page.locator("#global-search").fill(patient.nationalId);
    await Promise.all([page.waitForURL((u) => u.pathname === "/search"), page.locator("#global-search").press("Enter")]);
    await page.locator("main a", { hasText: patient.family }).first().waitFor();
  });

  // ------------------------------------------------------------------ theme and layout
  await check("without a saved choice the theme follows prefers-color-scheme", async () => {
    await page.goto(patientUrl || `${base}/patients`);
    await page.evaluate(() => localStorage.removeItem("hearth-theme"));
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    const dark = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
    await page.emulateMedia({ colorScheme: "light" });
    const live = await page
      .waitForFunction(() => document.documentElement.getAttribute("data-theme") === "light", null, { timeout: 3000 })
      .then(() => "light", () => "dark");
    await page.reload();
    const light = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
    assert(dark === "dark" && live === "light" && light === "light", `got dark=${dark} live=${live} light=${light}`);
  });

  await check("theme toggle switches to dark and remembers it across pages", async () => {
    await page.goto(patientUrl || `${base}/patients`);
    const before = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
    await page.locator("#theme-toggle").click();
    const after = await page.evaluate(() => ({ theme: document.documentElement.getAttribute("data-theme"), saved: localStorage.getItem("hearth-theme") }));
    assert(before === "light" && after.theme === "dark" && after.saved === "dark", `toggle gave ${JSON.stringify({ before, after })}`);
    await page.reload();
    const reloaded = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
    assert(reloaded === "dark", `theme not restored after reload (${reloaded})`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg !== "rgb(240, 244, 245)" && bg !== "rgb(255, 255, 255)", `dark theme not applied (body ${bg})`);
    await shot(page, "07-patient-dark");
  });
  await check("axe: patient page in dark theme has no serious or critical violations", () => axeScan(page, "patient page (dark)"));

  await check("axe: patient list in dark theme has no serious or critical violations", async () => {
    await page.goto(`${base}/patients?q=${encodeURIComponent(patient.family)}`);
    await shot(page, "08-patients-dark");
    await page.goto(`${base}/patients/new`);
    await shot(page, "09-register-dark");
    await page.goto(`${base}/patients`);
    await axeScan(page, "patient list (dark)");
    await page.locator("#global-search").pressSequentially(patient.family.slice(0, 5), { delay: 15 });
    await page.locator("#search-suggest a").first().waitFor({ state: "visible" });
    await axeScan(page, "search suggestions (dark)");
    await shot(page, "10-suggest-dark");
    await page.keyboard.press("Escape");
  });

  await check("at 768px the side navigation collapses to a top row", async () => {
    await setTheme(page, "light");
    await page.setViewportSize({ width: 768, height: 1000 });
    await page.goto(patientUrl || `${base}/patients`);
    const layout = await page.evaluate(() => {
      const nav = document.querySelector(".sidenav");
      const main = document.querySelector("main");
      return {
        display: nav && getComputedStyle(nav.querySelector("ul")).display,
        navBottom: nav && nav.getBoundingClientRect().bottom,
        mainTop: main.getBoundingClientRect().top,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    assert(layout.display === "flex" && layout.navBottom <= layout.mainTop + 1, `side nav did not collapse: ${JSON.stringify(layout)}`);
    assert(layout.overflow <= 0, `page scrolls sideways by ${layout.overflow}px at 768px`);
    await shot(page, "11-patient-768-light");
    await page.goto(`${base}/patients/new`);
    await shot(page, "12-register-768-light");
    await setTheme(page, "dark");
    await page.goto(`${base}/patients?q=${encodeURIComponent(patient.family)}`);
    await shot(page, "13-patients-768-dark");
    await axeScan(page, "patient list (768px, dark)");
    await setTheme(page, "light");
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await check("print stylesheet hides navigation and controls", async () => {
    await page.goto(patientUrl || `${base}/patients`);
    await page.emulateMedia({ media: "print" });
    const hidden = await page.evaluate(() =>
      [".topbar", ".sidenav", ".footer"].map((s) => [s, getComputedStyle(document.querySelector(s)).display]),
    );
    await shot(page, "14-patient-print");
    await page.emulateMedia({ media: "screen" });
    const shown = hidden.filter(([, d]) => d !== "none");
    assert(!shown.length, `visible in print: ${JSON.stringify(shown)}`);
  });

  await vitalsAndBanner({ context, page, base, check, assert, shot, axeScan, restore: EMAIL, shotsDir: shots });
  // ------------------------------------------------------------------ sign out
  await check("sign out from the header returns to /login", async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.getByRole("button", { name: "Sign out" }).click()]);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const res = await page.goto(`${base}/patients`);
    assert(new URL(page.url()).pathname === "/login", `after sign-out /patients showed ${page.url()} (${res && res.status()})`);
    await setTheme(page, "dark");
    await page.reload();
    await shot(page, "15-login-dark");
    await axeScan(page, "login (dark)");
  });

  await chartEntryChecks({ page, base, check, assert, axeScan, shot, patientUrl });
  await recordModelChecks({ page, base, check, assert, axeScan, shot, patientUrl });
  await startPageChecks({ page, base, check, assert, axeScan, shot, familyName: patientUrl ? patient.family : null });
  await frontDesk({ page, base, check, assert, shot, axeScan, patient });
  await emergencyChecks({ page, base, check, assert, axeScan, shot });
  await laboratoryChecks({ page, base, check, assert, axeScan, shot });
  await otherIdentifiers({ page, base, check, assert, axeScan, shot, patientUrl });
  await languages({ base, check, assert, shot, axeScan });
  await appointments({ page, base, check, assert, axeScan, shot });
  await inpatientChecks({ page, base, check, assert, axeScan, shot, patientUrl, familyName: patientUrl ? patient.family : null });
  await pharmacyChecks({ page, base, check, assert, axeScan, shot, patientUrl });
  await moduleChecks({ page, base, check, assert, axeScan, shot });

  await check("no JavaScript errors or CSP violations in the browser", async () => {
    assert(!problems.length, problems.slice(0, 10).join("\n"));
  });
} catch (e) {
  if (e instanceof Abort) {
    console.log(`stopped: ${e.message}`);
  } else {
    failed++; // the harness itself broke (browser would not start, ...)
    console.log(`FAIL ${e && e.stack ? e.stack : e}`);
  }
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

if (failures.length) console.log(`failed: ${failures.join("; ")}`);
console.log(`screenshots: ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
