// Languages and right to left (issue 15, the foundation): the sign-in page follows the
// browser's language, a user saves a language on the account page, the start page and sign-in
// in Spanish and Arabic are axe clean, and Arabic pages are laid out right to left (screenshots
// at 1280 and 820 px). Called from smoke.mjs last; leaves the receptionist on the facility's
// language and the browser's Accept-Language as it was.

const EMAIL = "reception@demo.hearth";
const PASSWORD = "Demo!Hearth2026";

async function htmlLangDir(page) {
  return page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
}

async function signOut(page, base) {
  await page.goto(`${base}/`);
  if (new URL(page.url()).pathname.startsWith("/login")) return;
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/login"),
    page.locator('form[action="/logout"] button[type=submit]').first().click(),
  ]);
}

async function signIn(page, base) {
  await page.goto(`${base}/login`);
  await page.locator("#email").fill(EMAIL);
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

export async function languages({ page, base, check, assert, shot, axeScan }) {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.evaluate(() => {
    localStorage.setItem("hearth-theme", "light");
    document.documentElement.setAttribute("data-theme", "light");
  });

  await check("l: the sign-in page is in Spanish for a Spanish browser, axe clean", async () => {
    await signOut(page, base);
    await page.setExtraHTTPHeaders({ "Accept-Language": "es-ES,es;q=0.9" });
    await page.goto(`${base}/login`);
    const [lang, dir] = await htmlLangDir(page);
    assert(lang === "es" && dir === "ltr", `lang=${lang} dir=${dir}`);
    await page.getByRole("heading", { name: "Iniciar sesión en Hearth" }).waitFor();
    await page.getByLabel("Correo electrónico").waitFor();
    await shot(page, "l-01-login-es-1280");
    await axeScan(page, "sign-in (es)");
  });

  await check("l: signed in, the receptionist chooses Spanish; the start page is Spanish, axe clean", async () => {
    await signIn(page, base);
    await chooseLanguage(page, base, "es");
    const flash = await page.locator(".flash").innerText();
    assert(flash.includes("Se guardó su idioma"), `flash: ${flash}`);
    await page.goto(`${base}/`);
    const [lang] = await htmlLangDir(page);
    assert(lang === "es", `lang=${lang}`);
    await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Pacientes", exact: true }).waitFor();
    assert(!(await page.content()).includes("⟦"), "a key is missing in the Spanish shell");
    await shot(page, "l-02-start-es-1280");
    await axeScan(page, "start page (es)");
  });

  await check("l: in Arabic the start page is right to left at 1280 and 820 px, axe clean", async () => {
    await chooseLanguage(page, base, "ar");
    await page.goto(`${base}/`);
    const [lang, dir] = await htmlLangDir(page);
    assert(lang === "ar" && dir === "rtl", `lang=${lang} dir=${dir}`);
    // The navigation sits on the right: its box starts right of the main column's.
    const nav = await page.locator("#sidenav").boundingBox();
    const main = await page.locator("#main").boundingBox();
    assert(nav && main && nav.x > main.x, `navigation not on the right: nav ${JSON.stringify(nav)} main ${JSON.stringify(main)}`);
    await shot(page, "l-03-start-ar-1280");
    await axeScan(page, "start page (ar, 1280px)");
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${base}/`);
    await page.getByRole("button", { name: "القائمة" }).waitFor();
    await shot(page, "l-04-start-ar-820");
    await axeScan(page, "start page (ar, 820px)");
    await page.goto(`${base}/account`);
    await shot(page, "l-05-account-ar-820");
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await check("l: signing in again in Arabic: the sign-in page is right to left and axe clean", async () => {
    await signOut(page, base);
    await page.setExtraHTTPHeaders({ "Accept-Language": "ar" });
    await page.goto(`${base}/login`);
    const [lang, dir] = await htmlLangDir(page);
    assert(lang === "ar" && dir === "rtl", `lang=${lang} dir=${dir}`);
    await page.getByRole("heading", { name: "تسجيل الدخول إلى Hearth" }).waitFor();
    await shot(page, "l-06-login-ar-1280");
    await axeScan(page, "sign-in (ar)");
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot(page, "l-07-login-ar-820");
    await page.setViewportSize({ width: 1280, height: 860 });
    await signIn(page, base);
    const [lang2] = await htmlLangDir(page);
    assert(lang2 === "ar", `after sign-in lang=${lang2}`);
  });

  await check("l: back to the facility's language", async () => {
    await page.setExtraHTTPHeaders({});
    await chooseLanguage(page, base, "");
    await page.goto(`${base}/`);
    const [lang, dir] = await htmlLangDir(page);
    assert(lang === "en" && dir === "ltr", `lang=${lang} dir=${dir}`);
  });
}
