// Languages and right to left (issue 15, the foundation): the sign-in page follows the
// browser's language, a user saves a language on the account page, the sign-in and start pages
// in Spanish and Arabic are axe clean, and Arabic pages are laid out right to left (screenshots
// at 1280 and 820 px). Called from smoke.mjs last. Each language gets a browser context of its
// own (its locale sets Accept-Language); the receptionist is left on the facility's language.
// Phase 2: a nurse registers a patient in Spanish and in Arabic and opens the chart (axe clean;
// the Arabic chart photographed at 1280x800 and 820x1180).

import { chromium } from "playwright-core";

const EMAIL = "reception@demo.hearth";
const PASSWORD = "Demo!Hearth2026";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

async function htmlLangDir(page) {
  return page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
}

async function signIn(page, base, email = EMAIL) {
  await page.goto(`${base}/login`);
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(PASSWORD);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/login")),
    page.locator('form[action="/login"] button[type=submit]').click(),
  ]);
}

async function chooseLanguage(page, base, tag) {
  await page.goto(`${base}/account`);
  await page.locator("#locale").selectOption(tag);
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/account"),
    page.locator('form[action="/account/language"] button[type=submit]').click(),
  ]);
}

export async function languages({ base, check, assert, shot, axeScan }) {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
    });
  } catch (e) {
    await check("l: a second browser for the language checks starts", async () => {
      throw e;
    });
    return;
  }
  const open = async (locale) => {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 }, colorScheme: "light", reducedMotion: "reduce" });
    return context.newPage();
  };
  try {
    const es = await open("es-ES");
    await check("l: the sign-in page is in Spanish for a Spanish browser, axe clean", async () => {
      await es.goto(`${base}/login`);
      const [lang, dir] = await htmlLangDir(es);
      assert(lang === "es" && dir === "ltr", `lang=${lang} dir=${dir}`);
      await es.getByRole("heading", { name: "Iniciar sesión en Hearth" }).waitFor();
      await es.getByLabel("Correo electrónico").waitFor();
      await shot(es, "l-01-login-es-1280");
      await axeScan(es, "sign-in (es)");
    });

    await check("l: signed in, the receptionist saves Spanish; the start page is Spanish, axe clean", async () => {
      await signIn(es, base);
      await chooseLanguage(es, base, "es");
      const flash = await es.locator(".flash").innerText();
      assert(flash.includes("Se guardó su idioma"), `flash: ${flash}`);
      await es.goto(`${base}/`);
      const [lang] = await htmlLangDir(es);
      assert(lang === "es", `lang=${lang}`);
      await es.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Pacientes", exact: true }).waitFor();
      const shell = await es.locator("header, nav.sidenav, footer").allInnerTexts();
      assert(!shell.join(" ").includes("⟦"), "a key is missing in the Spanish shell");
      await shot(es, "l-02-start-es-1280");
      await axeScan(es, "start page (es)");
    });
    await es.context().close();

    const ar = await open("ar");
    await check("l: the sign-in page is right to left for an Arabic browser, axe clean (1280 and 820 px)", async () => {
      await ar.goto(`${base}/login`);
      const [lang, dir] = await htmlLangDir(ar);
      assert(lang === "ar" && dir === "rtl", `lang=${lang} dir=${dir}`);
      await ar.getByRole("heading", { name: "تسجيل الدخول إلى Hearth" }).waitFor();
      await shot(ar, "l-03-login-ar-1280");
      await axeScan(ar, "sign-in (ar)");
      await ar.setViewportSize({ width: 820, height: 1180 });
      await shot(ar, "l-04-login-ar-820");
      await ar.setViewportSize({ width: 1280, height: 860 });
    });

    await check("l: signed in, the user's saved language (Spanish) wins over the browser's", async () => {
      await signIn(ar, base);
      await ar.goto(`${base}/`);
      const [lang] = await htmlLangDir(ar);
      assert(lang === "es", `lang=${lang}`);
    });

    await check("l: in Arabic the start page is right to left at 1280 and 820 px, axe clean", async () => {
      await chooseLanguage(ar, base, "ar");
      await ar.goto(`${base}/`);
      const [lang, dir] = await htmlLangDir(ar);
      assert(lang === "ar" && dir === "rtl", `lang=${lang} dir=${dir}`);
      // The navigation sits on the right: its box starts right of the main column's.
      const nav = await ar.locator("#sidenav").boundingBox();
      const main = await ar.locator("#main").boundingBox();
      assert(nav && main && nav.x > main.x, `navigation not on the right: nav ${JSON.stringify(nav)} main ${JSON.stringify(main)}`);
      await shot(ar, "l-05-start-ar-1280");
      await axeScan(ar, "start page (ar, 1280px)");
      await ar.setViewportSize({ width: 820, height: 1180 });
      await ar.goto(`${base}/`);
      await ar.getByRole("button", { name: "القائمة" }).waitFor();
      await shot(ar, "l-06-start-ar-820");
      await axeScan(ar, "start page (ar, 820px)");
      await ar.goto(`${base}/account`);
      await shot(ar, "l-07-account-ar-820");
      await ar.setViewportSize({ width: 1280, height: 860 });
    });

    await check("l: back to the facility's language", async () => {
      await chooseLanguage(ar, base, "");
      await ar.goto(`${base}/`);
      const [lang, dir] = await htmlLangDir(ar);
      assert(lang === "en" && dir === "ltr", `lang=${lang} dir=${dir}`);
    });

    await check("l: a nurse's immunizations tab in Arabic, right to left (screenshots at 1280 and 820 px)", async () => {
      await ar.locator('form[action="/logout"] button[type=submit]').first().click();
      await ar.waitForURL((u) => u.pathname === "/login");
      await signIn(ar, base, "nurse@demo.hearth");
      await chooseLanguage(ar, base, "ar");
      try {
        await ar.goto(`${base}/patients`);
        const href = await ar.locator('main a[href^="/patients/"]').evaluateAll((as) =>
          as.map((a) => a.getAttribute("href")).find((h) => /^\/patients\/[0-9a-f-]{36}$/.test(h)),
        );
        assert(href, "no patient link on /patients");
        await ar.goto(`${base}${href}/immunizations`);
        const [lang, dir] = await htmlLangDir(ar);
        assert(lang === "ar" && dir === "rtl", `lang=${lang} dir=${dir}`);
        await ar.getByRole("heading", { name: "تسجيل لقاح" }).waitFor();
        await shot(ar, "l-08-immunizations-ar-1280");
        await ar.setViewportSize({ width: 820, height: 1180 });
        await ar.reload();
        await shot(ar, "l-09-immunizations-ar-820");
        await ar.setViewportSize({ width: 1280, height: 860 });
      } finally {
        await chooseLanguage(ar, base, "");
      }
    });

    // Phase 2: the patient pages. The nurse (signed in above) registers a patient in Spanish and
    // in Arabic through the form, the preferred language chosen from its select, then opens the
    // chart; every page axe clean; the Arabic chart photographed at desktop and tablet sizes.
    const registerAndChart = async (lang, who) => {
      await chooseLanguage(ar, base, lang);
      await ar.goto(`${base}/patients/new`);
      const [l, dir] = await htmlLangDir(ar);
      assert(l === lang && dir === (lang === "ar" ? "rtl" : "ltr"), `lang=${l} dir=${dir}`);
      await axeScan(ar, `registration form (${lang})`);
      await ar.locator("#given_name").fill(who.given);
      await ar.locator("#family_name").fill(who.family);
      await ar.locator("#sex").selectOption("female");
      await ar.locator("#birth_date").fill("1984-03-09");
      await ar.locator("#phone").fill("+44 7700 900123");
      await ar.locator("#preferred_language").selectOption(lang);
      const registered = (u) => /^\/patients\/[0-9a-f-]{36}$/.test(u.pathname);
      const anyway = ar.locator('input[name="register_anyway"]');
      await ar.locator('#patient-form button[type=submit]').click();
      // Registered, or possible duplicates (the demo data): then confirm a new patient.
      // (The promise that loses the race is settled quietly: no unhandled rejection later.)
      const arrived = ar.waitForURL(registered).then(() => true, () => false);
      const asked = anyway.waitFor().then(() => true, () => false);
      await Promise.race([arrived, asked]);
      if (!registered(new URL(ar.url()))) {
        await anyway.check();
        await ar.locator('#patient-form button[type=submit]').click();
        await ar.waitForURL(registered);
      }
      const body = await ar.locator("body").innerText();
      assert(!body.includes("⟦"), `a key is missing on the patient page (${lang})`);
      await axeScan(ar, `patient page (${lang})`);
      await ar.locator('main a[href$="/chart"]').first().click();
      await ar.waitForURL((u) => u.pathname.endsWith("/chart"));
      const banner = await ar.locator(".chart-banner, .chart-tabs").allInnerTexts();
      assert(!banner.join(" ").includes("⟦"), `a key is missing in the chart banner (${lang})`);
      await axeScan(ar, `chart (${lang})`);
      return ar.url();
    };

    await check("l: a nurse registers a patient in Spanish and opens the chart, axe clean", async () => {
      try {
        await registerAndChart("es", { given: "Lucía", family: "Fernández Ortega" });
        await shot(ar, "l-10-chart-es-1280");
      } finally {
        await chooseLanguage(ar, base, "");
      }
    });

    await check("l: a nurse registers a patient in Arabic and opens the chart, right to left, axe clean (1280x800 and 820x1180)", async () => {
      try {
        await ar.setViewportSize({ width: 1280, height: 800 });
        const chart = await registerAndChart("ar", { given: "ليلى", family: "حداد" });
        // The banner mirrors: the MRN stays left to right inside it.
        const mrnDir = await ar.locator(".chart-banner .bf-key bdi.ltr").first().evaluate((e) => getComputedStyle(e).direction);
        assert(mrnDir === "ltr", `MRN direction ${mrnDir}`);
        await shot(ar, "l-11-chart-ar-1280x800");
        await ar.setViewportSize({ width: 820, height: 1180 });
        await ar.goto(chart);
        await axeScan(ar, "chart (ar, 820px)");
        await shot(ar, "l-12-chart-ar-820x1180");
      } finally {
        await ar.setViewportSize({ width: 1280, height: 860 });
        await chooseLanguage(ar, base, "");
      }
    });
  } finally {
    await browser.close().catch(() => {});
  }
}
