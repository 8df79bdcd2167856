// Chart entry (issue 13): a nurse picks an ICD-10-CM code with the keyboard in the problem
// form's combobox, records an allergy twice and gets the duplicate warning; axe scans both.
// Called from smoke.mjs after the receptionist signed out, with the registered patient's URL.

const NURSE = "nurse@demo.hearth";
const PASSWORD = "Demo!Hearth2026";

export async function chartEntryChecks({ page, base, check, assert, axeScan, shot, patientUrl }) {
  if (!patientUrl) return;
  const chart = patientUrl.replace(/\/+$/, "");

  const signedIn = await check("nurse signs in for the chart-entry checks", async () => {
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(NURSE);
    await page.getByLabel("Password").fill(PASSWORD);
    await Promise.all([
      page.waitForURL((u) => u.pathname !== "/login"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
  });
  if (!signedIn) return;

  await check("ICD-10-CM combobox: type words, arrow down, Enter chooses; Escape closes", async () => {
    await page.goto(`${chart}/problems`);
    const input = page.getByRole("combobox", { name: "Diagnosis (ICD-10-CM)", exact: true });
    await input.focus();
    await input.fill("asthma");
    const first = page.locator("#icd-listbox [role=option][data-value]").first();
    await first.waitFor();
    assert((await input.getAttribute("aria-expanded")) === "true", "the listbox did not open");
    const codes = await page.locator("#icd-listbox [role=option][data-value]").evaluateAll((os) => os.map((o) => o.dataset.value));
    assert(codes.slice(0, 3).includes("J45.909"), `asthma: J45.909 not near the top (${codes.join(", ")})`);
    await input.press("ArrowDown");
    const active = await input.getAttribute("aria-activedescendant");
    assert(active, "no aria-activedescendant after ArrowDown");
    assert((await page.locator(`#${active}`).getAttribute("aria-selected")) === "true", "active option not aria-selected");
    await shot(page, "w-00-combobox-open");
    await input.press("ArrowDown");
    const second = await input.getAttribute("aria-activedescendant");
    assert(second && second !== active, "ArrowDown did not move");
    await input.press("ArrowUp");
    const chosen = await page.locator(`#${active}`).getAttribute("data-value");
    await input.press("Enter");
    assert((await input.inputValue()) === chosen, `Enter chose ${await input.inputValue()}, expected ${chosen}`);
    assert((await input.getAttribute("aria-expanded")) === "false", "the listbox stayed open after choosing");
    await shot(page, "w-01-combobox-chosen");

    await input.fill("high blood pressure");
    await page.locator('#icd-listbox [role=option][data-value="I10"]').waitFor();
    assert((await input.getAttribute("aria-expanded")) === "true", "the listbox did not open for a lay term");
    await input.press("Escape");
    assert((await input.getAttribute("aria-expanded")) === "false", "Escape did not close the listbox");
    await input.fill("");
    await axeScan(page, "problem form with the ICD-10-CM combobox");
  });

  await check("a duplicate allergy shows a warning with the existing entry and takes focus", async () => {
    const record = async (severity) => {
      await page.goto(`${chart}/allergies`);
      await page.locator("#substance_code").selectOption("latex");
      await page.locator("#severity").selectOption(severity);
      await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Record allergy" }).click()]);
    };
    await record("mild");
    await record("severe");
    const warning = page.locator("#duplicate-warning");
    await warning.waitFor();
    const text = await warning.innerText();
    assert(/already recorded/.test(text) && /Latex/.test(text), `warning text: ${text}`);
    assert(await page.evaluate(() => document.activeElement && document.activeElement.id === "duplicate-warning"), "the warning did not take focus");
    await page.getByRole("button", { name: /Update the existing one/ }).waitFor();
    await shot(page, "w-02-duplicate-allergy");
    await axeScan(page, "allergies with a duplicate warning");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: /Update the existing one/ }).click()]);
    const rows = await page.locator("table tbody tr", { hasText: "Latex" }).count();
    assert(rows === 1, `expected one Latex row after updating, got ${rows}`);
  });

  await check("an empty draft save comes back with a focused error summary; signing takes a confirmation", async () => {
    await page.goto(`${chart}/notes/new?template=free`);
    await page.locator("#title").fill("E2E note");
    await page.locator("#body").fill("Seen on the ward.");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Save draft" }).click()]);
    assert(/\/notes\/[0-9a-f-]{36}$/.test(new URL(page.url()).pathname), `no draft page: ${page.url()}`);
    await page.locator("#body").fill("");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Save draft" }).click()]);
    const summary = page.locator(".error-summary");
    await summary.waitFor();
    assert(await page.evaluate(() => document.activeElement && document.activeElement.classList.contains("error-summary")), "the error summary did not take focus");
    const link = summary.locator('a[href="#body"]');
    assert((await link.count()) === 1, "the summary does not link to the note field");
    await axeScan(page, "note draft with an error summary");
    await page.locator("#body").fill("Seen on the ward, reviewed.");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Save draft" }).click()]);
    await page.getByText("Sign note…").click();
    await page.getByLabel("I have reviewed this note and sign it").check();
    await axeScan(page, "note sign confirmation");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign and lock" }).click()]);
    assert((await page.locator(".badge", { hasText: "Signed · locked" }).count()) === 1, "the note was not signed");
  });

  await check("nurse signs out after the chart-entry checks", async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.getByRole("button", { name: "Sign out" }).click()]);
  });
}
