// The record holds real data (issue 14): a nurse records a SNOMED CT-only problem through the
// problem form, sees it marked "Not ICD-coded", opens the ICD-10-CM suggestions and codes it with
// the keyboard; adds a past procedure; axe scans both pages. Called from smoke.mjs with the
// registered patient's URL.

const NURSE = "nurse@demo.hearth";
const PASSWORD = "Demo!Hearth2026";

export async function recordModelChecks({ page, base, check, assert, axeScan, shot, patientUrl }) {
  if (!patientUrl) return;
  const chart = patientUrl.replace(/\/+$/, "");

  const signedIn = await check("nurse signs in for the record-model checks", async () => {
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(NURSE);
    await page.getByLabel("Password").fill(PASSWORD);
    await Promise.all([
      page.waitForURL((u) => u.pathname !== "/login"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
  });
  if (!signedIn) return;

  await check("a SNOMED CT-only problem shows as not ICD-coded and takes a suggested ICD-10-CM code", async () => {
    await page.goto(`${chart}/problems`);
    await page.getByLabel("Code system").selectOption("http://snomed.info/sct");
    await page.getByLabel("Code", { exact: true }).fill("49436004");
    await page.getByLabel("Problem as named").fill("Atrial fibrillation");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Add problem" }).click()]);
    const row = page.locator("table tbody tr", { hasText: "Atrial fibrillation" });
    await row.waitFor();
    assert((await row.getByText("Not ICD-coded").count()) === 1, "no “Not ICD-coded” mark");
    const summary = row.getByText("Add ICD-10-CM code…");
    await summary.focus();
    await summary.press("Enter");
    const suggestion = row.getByRole("button", { name: /^Use I48\./ }).first();
    await suggestion.waitFor();
    await shot(page, "z-00-not-icd-coded");
    await axeScan(page, "problems with a not ICD-coded entry and its suggestions");
    await suggestion.focus();
    await suggestion.press("Enter");
    await page.getByText(/Coded as I48\./).first().waitFor();
    const coded = page.locator("table tbody tr", { hasText: "Atrial fibrillation" });
    assert((await coded.getByText("Not ICD-coded").count()) === 0, "still not ICD-coded after choosing a suggestion");
    const rowText = await coded.first().innerText();
    assert(rowText.includes("SNOMED CT 49436004"), `the SNOMED CT coding was lost: ${rowText}`);
  });

  await check("a past procedure is added to the procedure history", async () => {
    await page.goto(`${chart}/procedures`);
    await page.getByLabel("Procedure", { exact: true }).fill("Appendectomy");
    await page.getByLabel("Code system").selectOption("http://snomed.info/sct");
    await page.getByLabel("Code", { exact: true }).fill("80146002");
    await page.getByLabel("Performed (start)").fill("2015-06-01T10:00");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Add procedure" }).click()]);
    const row = page.locator("table tbody tr", { hasText: "Appendectomy" });
    await row.waitFor();
    assert((await row.getByText("SNOMED CT 80146002").count()) === 1, "the coding is not shown");
    await shot(page, "z-01-procedures");
    await axeScan(page, "procedure history");
  });

  await check("nurse signs out after the record-model checks", async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.getByRole("button", { name: "Sign out" }).click()]);
  });
}
