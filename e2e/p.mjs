// The record holds real patients (issue 14): the receptionist adds the previous system's MRN
// from the patient page with the keyboard, finds the patient by it, and axe scans the page with
// the "Other identifiers" and "Other names" sections and the structured address on the edit form.
// Called from smoke.mjs after sign-out, with the registered patient's URL.

const RECEPTION = "reception@demo.hearth";
const PASSWORD = "Demo!Hearth2026";

export async function otherIdentifiers({ page, base, check, assert, axeScan, shot, patientUrl }) {
  if (!patientUrl) return;
  const url = patientUrl.replace(/\/+$/, "");
  const signedIn = await check("receptionist signs in for the identifier checks", async () => {
    // The checks before may leave someone signed in: sign out first.
    await page.goto(`${base}/login`);
    if (new URL(page.url()).pathname !== "/login") {
      await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.getByRole("button", { name: "Sign out" }).click()]);
    }
    await page.getByLabel("Email").fill(RECEPTION);
    await page.getByLabel("Password").fill(PASSWORD);
    await Promise.all([
      page.waitForURL((u) => u.pathname !== "/login"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
  });
  if (!signedIn) return;
  const oldMrn = `OLD-${Date.now() % 1000000}`;

  await check("a previous MRN is added with the keyboard and shown in Other identifiers", async () => {
    await page.goto(url);
    await page.getByLabel("Kind", { exact: true }).first().selectOption("previous_mrn");
    await page.getByLabel("Value", { exact: true }).fill(oldMrn);
    await page.getByLabel("Issuer or system").fill("Old PAS");
    // Enter in a field submits its form (no mouse needed).
    await Promise.all([page.waitForNavigation(), page.getByLabel("Issuer or system").press("Enter")]);
    const section = await page.locator("#identifiers").innerText();
    assert(section.includes(oldMrn) && section.includes("Previous MRN"), `identifier not listed: ${section.slice(0, 300)}`);
    await shot(page, "p-01-identifiers");
  });
  await check("axe: patient page with other identifiers and names has no serious or critical violations", () =>
    axeScan(page, "patient page (identifiers)"));

  await check("the previous MRN finds the patient in the patient list", async () => {
    await page.goto(`${base}/patients?q=${encodeURIComponent(oldMrn.toLowerCase())}`);
    const rows = await page.locator("main table tbody tr").count();
    assert(rows >= 1, "no patient found by the previous MRN");
  });

  await check("axe: edit form with the structured address has no serious or critical violations", async () => {
    await page.goto(`${url}/edit`);
    await page.getByLabel("Address line 2").waitFor();
    await page.getByLabel("Marital status").waitFor();
    await axeScan(page, "edit form (address)");
  });

  await check("receptionist signs out", async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.getByRole("button", { name: "Sign out" }).click()]);
  });
}
