// Vital signs safety and the patient banner (issue 13 items 1 and 4): a nurse records an
// alarming set on a demo patient, sees the critical flags and NEWS2, the banner stays on screen
// (compact when scrolled, at 1280 and 820 px), and the attending doctor has the clinical alert.
// Called from smoke.mjs with its helpers; leaves the browser signed in as `restore`.

import { freshTotp } from "./totp.mjs";

const PASSWORD = "Demo!Hearth2026";
// CONTRACT.md: the demo doctor is enrolled in TOTP with this secret.
const DEMO_TOTP = "JBSWY3DPEHPK3PXP";

async function signIn(context, page, base, email) {
  await context.clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.getByRole("button", { name: "Sign in" }).click()]);
  if (new URL(page.url()).pathname === "/mfa") {
    await page.getByLabel("Code", { exact: true }).fill(await freshTotp(DEMO_TOTP, email));
    await Promise.all([page.waitForURL((u) => u.pathname !== "/mfa"), page.getByRole("button", { name: "Verify" }).click()]);
  }
}

export async function vitalsAndBanner({ context, page, base, check, assert, shot, axeScan, restore, shotsDir }) {
  let pid = null;
  await check("v: a nurse finds an adult demo patient and starts an encounter with the demo doctor", async () => {
    await signIn(context, page, base, "nurse@demo.hearth");
    await page.goto(`${base}/patients`);
    const hrefs = await page.$$eval("a[href^='/patients/']", (as) =>
      [...new Set(as.map((a) => a.getAttribute("href")).filter((h) => /^\/patients\/[0-9a-f-]{36}$/.test(h)))],
    );
    assert(hrefs.length, "no demo patients listed");
    for (const h of hrefs.slice(0, 15)) {
      const res = await page.goto(`${base}${h}/chart`);
      if (!res || res.status() !== 200) continue;
      const age = await page.locator(".chart-banner .banner-facts dt:text-is('Age') + dd").textContent().catch(() => "");
      const m = /^(\d+) y$/.exec((age || "").trim());
      if (m && Number(m[1]) >= 18 && Number(m[1]) < 90) {
        pid = h.split("/").pop();
        break;
      }
    }
    assert(pid, "no adult demo patient among the first 15");
    await page.goto(`${base}/patients/${pid}/encounters`);
    await page.getByLabel("Kind").selectOption("inpatient");
    await page.getByLabel("Status").selectOption("in_progress");
    await page.getByLabel("Attending clinician").selectOption({ label: "Dr. Daniel Okafor" });
    await page.getByLabel("Reason").fill("Deteriorating on the ward (e2e)");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Record encounter" }).click()]);
  });
  if (!pid) return;

  await check("v: an alarming set is flagged critical with NEWS2 and the clinician alerted", async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${base}/patients/${pid}/vitals`);
    const fill = async (label, value) => page.getByLabel(label, { exact: true }).fill(value);
    await fill("Temperature", "40.8");
    await fill("Pulse", "148");
    await fill("Systolic pressure", "78");
    await fill("Diastolic pressure", "40");
    await fill("Respiratory rate", "32");
    await fill("SpO2", "84");
    await page.getByLabel("Air or oxygen (NEWS2)").selectOption("air");
    await page.getByLabel("Consciousness, ACVPU (NEWS2)").selectOption("A");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Record", exact: true }).click()]);
    const flash = await page.locator(".flash").first().textContent();
    assert(/Critical/.test(flash) && /NEWS2 14/.test(flash) && /alerted/.test(flash), `flash: ${flash}`);
    const row = page.locator("table.vitals-table tbody tr").first();
    const text = await row.textContent();
    assert(/NEWS2 14 · high clinical risk/.test(text), `row: ${text}`);
    assert((await row.locator(".vflag", { hasText: "Critical" }).count()) >= 4, "each critical reading is labelled");
    const banner = await page.locator(".chart-banner").textContent();
    assert(/Critical · NEWS2 14 \(high\)/.test(banner), `banner: ${banner.replace(/\s+/g, " ")}`);
    await shot(page, "v-01-vitals-1280");
    await axeScan(page, "vitals page with flags");
  });

  await check("v: the banner stays on screen, compact when scrolled, at 1280 and 820 px", async () => {
    for (const width of [1280, 820]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}/patients/${pid}/vitals`);
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForFunction(() => document.querySelector(".chart-banner").classList.contains("is-compact"));
      const box = await page.locator(".chart-banner").boundingBox();
      assert(box && box.y >= 0 && box.y < 200, `banner not on screen after scrolling at ${width}px: ${JSON.stringify(box)}`);
      assert(box.width <= width, `banner wider than ${width}px`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert(overflow <= 1, `horizontal overflow ${overflow}px at ${width}px`);
      await page.screenshot({ path: `${shotsDir}/v-02-vitals-${width}-scrolled.png` });
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `v-03-vitals-top-${width}`);
    }
    await page.goto(`${base}/patients/${pid}/chart`);
    const overview = await page.locator("main").textContent();
    assert(/NEWS2 14 · high clinical risk/.test(overview), "overview shows NEWS2");
    assert(/Critical · NEWS2 14 \(high\)/.test(overview), "timeline shows the flag");
    await axeScan(page, "chart overview with flags (820px)");
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await check("v: the nurse records isolation on the safety flags page; the banner says it", async () => {
    await page.goto(`${base}/patients/${pid}/flags`);
    await page.getByLabel("Code status").selectOption("full_code");
    await page.getByLabel("Droplet precautions").check();
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Record flags" }).click()]);
    const banner = await page.locator(".chart-banner").textContent();
    assert(/Full code/.test(banner) && /Isolation: Droplet precautions/.test(banner), `banner: ${banner.replace(/\s+/g, " ")}`);
    await shot(page, "v-05-safety-flags");
    await axeScan(page, "safety flags page");
  });

  await check("v: the attending doctor sees the clinical alert", async () => {
    await signIn(context, page, base, "doctor@demo.hearth");
    await page.goto(`${base}/alerts`);
    const body = await page.locator("main").textContent();
    assert(/Deteriorating vital signs: NEWS2 14/.test(body), `alerts page: ${body.replace(/\s+/g, " ").slice(0, 400)}`);
    await shot(page, "v-04-doctor-alerts");
  });

  await check("v: back to the smoke test's account", async () => {
    await signIn(context, page, base, restore);
  });
}
