// The front desk and the shell (issue 13, items 2, 5, 8, 10, 11): a receptionist registers a
// patient and sees the live likely matches while typing, starts a visit from the patient page,
// the top bar's icons keep their contrast, and at 820 px the side navigation collapses into a
// menu button; axe scans at desktop and tablet width. Called from smoke.mjs, signed in as the
// receptionist, after the smoke test registered `patient`.

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

function parseRgb(s) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(s || "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export async function frontDesk({ page, base, check, assert, shot, axeScan, patient }) {
  const rand = Array.from({ length: 6 }, () => "abcdefghjkmnpqrstuvwxyz"[Math.floor(Math.random() * 23)]).join("");
  const family = "Visit" + rand;

  const signedIn = await check("x: the receptionist signs in again (light theme, 1280px)", async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${base}/login`);
    await page.evaluate(() => {
      localStorage.setItem("hearth-theme", "light");
      document.documentElement.setAttribute("data-theme", "light");
    });
    if (new URL(page.url()).pathname === "/login") {
      await page.getByLabel("Email").fill("reception@demo.hearth");
      await page.getByLabel("Password").fill("Demo!Hearth2026");
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
    }
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  });
  if (!signedIn) return;

  await check("x: registration shows likely matches live while the name and birth date are typed", async () => {
    await page.goto(`${base}/patients/new`);
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(focused === "given_name", `the first field is not focused (got ${focused})`);
    const sex = await page.locator("#sex").inputValue();
    assert(sex === "", `sex is preselected (${sex})`);
    await page.locator("#given_name").fill(patient.given);
    await page.locator("#family_name").fill(patient.family);
    await page.locator("#birth_date").fill(patient.birth);
    const row = page.locator("#likely-matches tbody tr", { hasText: patient.family });
    await row.waitFor({ timeout: 5000 });
    const link = row.locator("a[target=_blank]");
    assert((await link.count()) === 1, "the match does not open in a new tab");
    const text = await row.innerText();
    // Pages write dates in the reader's locale (English: "Mar 12, 1984").
    const born = new Date(`${patient.birth}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
    assert(text.includes(born) && /female/.test(text), `the match lacks birth date or sex: ${text}`);
    await shot(page, "x-01-register-matches-1280");
    await axeScan(page, "registration with likely matches");
  });

  let patientUrl = null;
  await check("x: a new patient with an age instead of a birth date is registered", async () => {
    await page.goto(`${base}/patients/new`);
    await page.locator("#given_name").fill("Ben");
    await page.locator("#family_name").fill(family);
    await page.locator("#sex").selectOption("male");
    await page.locator("#age_years").fill("34");
    await Promise.all([
      page.waitForURL((u) => /^\/patients\/[0-9a-f-]{36}$/.test(u.pathname)),
      page.getByRole("button", { name: "Register" }).click(),
    ]);
    patientUrl = page.url();
    const start = page.getByRole("link", { name: "Start visit" });
    await start.waitFor();
    assert((await start.getAttribute("class")).includes("btn-primary"), "Start visit is not the primary action");
  });

  await check("x: the receptionist starts a visit from the patient page", async () => {
    assert(patientUrl, "no patient");
    await page.goto(patientUrl);
    await page.getByRole("link", { name: "Start visit" }).click();
    await page.getByRole("heading", { level: 1, name: "Start visit" }).waitFor();
    await axeScan(page, "start visit form");
    await shot(page, "x-02-start-visit-1280");
    const options = await page.locator("#department_id option").count();
    assert(options > 1, "no departments offered");
    await page.locator("#department_id").selectOption({ index: 1 });
    await page.locator("#reason").fill("Cough for two weeks");
    await Promise.all([
      page.waitForURL((u) => u.pathname === new URL(patientUrl).pathname),
      page.getByRole("button", { name: /Start visit/ }).click(),
    ]);
    const flash = await page.locator(".flash").first().innerText();
    assert(/Visit started/.test(flash), `no confirmation: ${flash}`);
    await shot(page, "x-03-visit-started-1280");
  });

  await check("x: the notification bell and top-bar icons have >= 3:1 contrast in the light theme", async () => {
    await page.goto(`${base}/patients`);
    const colours = await page.evaluate(() => {
      const bar = getComputedStyle(document.querySelector(".topbar")).backgroundColor;
      const icons = [".bell svg", "#theme-toggle"].map((sel) => {
        const el = document.querySelector(sel);
        return el ? [sel, getComputedStyle(el).color, getComputedStyle(el).fill] : [sel, null, null];
      });
      return { bar, icons, theme: document.documentElement.getAttribute("data-theme") };
    });
    const bg = parseRgb(colours.bar);
    for (const [sel, color, fill] of colours.icons) {
      const fg = parseRgb(sel.endsWith("svg") ? fill : color);
      assert(bg && fg, `cannot read colours of ${sel}: ${JSON.stringify(colours)}`);
      const ratio = contrast(fg, bg);
      assert(ratio >= 3, `${sel} contrast ${ratio.toFixed(2)}:1 on the top bar (${colours.theme})`);
    }
  });

  await check("x: at 820px the side navigation is a menu button and axe is clean", async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${base}/patients`);
    const toggle = page.locator("#nav-toggle");
    await toggle.waitFor({ state: "visible" });
    assert(!(await page.locator("#sidenav").isVisible()), "the side navigation still takes room at 820px");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `page scrolls sideways by ${overflow}px at 820px`);
    await shot(page, "x-04-patients-820-menu-closed");
    await axeScan(page, "patient list (820px)");
    await toggle.click();
    assert((await toggle.getAttribute("aria-expanded")) === "true", "aria-expanded not set");
    await page.locator("#sidenav").waitFor({ state: "visible" });
    await shot(page, "x-05-patients-820-menu-open");
    await axeScan(page, "patient list (820px, menu open)");
    await page.keyboard.press("Escape");
    assert((await toggle.getAttribute("aria-expanded")) === "false", "Escape does not close the menu");
    if (patientUrl) {
      await page.goto(patientUrl);
      await shot(page, "x-06-patient-820");
      await axeScan(page, "patient page (820px)");
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${base}/patients`);
    await shot(page, "x-07-patients-1280");
  });

  await check("x: at 820px a nurse's chart tabs stay in one row that scrolls sideways", async () => {
    assert(patientUrl, "no patient");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/login"));
    await page.getByLabel("Email").fill("nurse@demo.hearth");
    await page.getByLabel("Password").fill("Demo!Hearth2026");
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${patientUrl}/encounters`);
    await page.locator(".chart-tabs").waitFor();
    const tabs = await page.evaluate(() => {
      const ul = document.querySelector(".chart-tabs ul");
      const tops = new Set(Array.from(ul.querySelectorAll("li")).map((li) => Math.round(li.getBoundingClientRect().top)));
      return { rows: tops.size, overflowX: getComputedStyle(ul).overflowX, page: document.documentElement.scrollWidth - window.innerWidth };
    });
    assert(tabs.rows === 1, `chart tabs wrap to ${tabs.rows} rows at 820px`);
    assert(tabs.overflowX === "auto", `chart tabs do not scroll (${tabs.overflowX})`);
    assert(tabs.page <= 0, `page scrolls sideways by ${tabs.page}px`);
    const body = await page.locator("main").innerText();
    assert(/Cough for two weeks/.test(body) && /Arrived/.test(body), "the started visit is not on the chart");
    const toggle = await page.evaluate(() => {
      const el = document.querySelector("#nav-toggle");
      return [getComputedStyle(el).color, getComputedStyle(document.querySelector(".topbar")).backgroundColor];
    });
    const ratio = contrast(parseRgb(toggle[0]), parseRgb(toggle[1]));
    assert(ratio >= 3, `menu button contrast ${ratio.toFixed(2)}:1`);
    await shot(page, "x-08-chart-encounters-820");
    await axeScan(page, "chart encounters (820px)");
    await page.setViewportSize({ width: 1280, height: 860 });
    await shot(page, "x-09-chart-encounters-1280");
    await axeScan(page, "chart encounters (1280px)");
  });

  await check("x: a draft typed when the session ends comes back after signing in, and goes on sign-out", async () => {
    await page.goto(`${base}/patients/new`);
    await page.locator("#given_name").fill("Draft");
    await page.locator("#family_name").fill("Keeper" + rand);
    await page.waitForTimeout(700); // the draft is saved 400 ms after typing stops
    // Opened afresh in the same session, the form is empty (no stale data from another patient).
    await page.goto(`${base}/patients`);
    await page.goto(`${base}/patients/new`);
    assert((await page.locator("#family_name").inputValue()) === "", "a draft came back without an ended session");
    await page.locator("#given_name").fill("Draft");
    await page.locator("#family_name").fill("Keeper" + rand);
    await page.waitForTimeout(700);
    // The session ends (the cookie is gone): the next page is the sign-in page, then back.
    await page.context().clearCookies();
    await page.goto(`${base}/patients/new`);
    await page.waitForURL((u) => u.pathname.startsWith("/login"));
    await page.getByLabel("Email").fill("nurse@demo.hearth");
    await page.getByLabel("Password").fill("Demo!Hearth2026");
    await Promise.all([page.waitForURL((u) => u.pathname === "/patients/new"), page.getByRole("button", { name: "Sign in" }).click()]);
    await page.locator(".draft-restored").waitFor();
    const family = await page.locator("#family_name").inputValue();
    assert(family === "Keeper" + rand, `the draft was not restored (family name "${family}")`);
    await shot(page, "x-10-draft-restored");
    await axeScan(page, "registration with a restored draft");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/login"));
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("hearth-draft:")).length);
    assert(left === 0, `${left} draft(s) left after signing out`);
  });

  await check("x: the idle warning offers to stay signed in before the session ends", async () => {
    await page.clock.install();
    await page.getByLabel("Email").fill("nurse@demo.hearth");
    await page.getByLabel("Password").fill("Demo!Hearth2026");
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
    await page.goto(`${base}/patients`);
    const idle = Number(await page.locator('meta[name="hearth-session"]').getAttribute("content"));
    assert(idle > 0, "no idle timeout on the page");
    await page.clock.fastForward((idle - 110) * 1000);
    const dialog = page.getByRole("dialog", { name: "Still there?" });
    await dialog.waitFor();
    assert(!(await dialog.getByRole("link", { name: "Sign in again" }).isVisible()), "sign-in link shown while still signed in");
    await shot(page, "x-11-idle-warning");
    await axeScan(page, "idle warning dialog");
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/session/keepalive")),
      dialog.getByRole("button", { name: "Stay signed in" }).click(),
    ]);
    assert(res.status() === 200, `keep-alive answered ${res.status()}`);
    await dialog.waitFor({ state: "hidden" });
  });
}
