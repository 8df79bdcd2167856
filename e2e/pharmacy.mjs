// Pharmacy (issue 19, phase 1): a doctor searches the formulary and prescribes from the chart's
// "Medication orders" tab (the safety checks shown before signing); the pharmacist verifies the
// order in the verification queue, dispenses it from the main pharmacy (FEFO) and opens the
// stock page. axe scans each page. Called from smoke.mjs with the registered patient's page URL.
import { freshTotp } from "./totp.mjs";

const PASSWORD = "Demo!Hearth2026";
const TOTP_SECRET = "JBSWY3DPEHPK3PXP"; // the demo accounts' shared TOTP secret (CONTRACT.md)

async function signIn(page, base, email) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.getByRole("button", { name: "Sign in" }).click()]);
  if (new URL(page.url()).pathname === "/mfa") {
    await page.getByLabel("Code", { exact: true }).fill(await freshTotp(TOTP_SECRET, email));
    await Promise.all([page.waitForURL((u) => u.pathname !== "/mfa"), page.getByRole("button", { name: "Verify" }).click()]);
  }
}

export async function pharmacyChecks({ page, base, check, assert, axeScan, shot, patientUrl }) {
  const signedIn = await check("a doctor searches the formulary", async () => {
    await signIn(page, base, "doctor@demo.hearth");
    await page.goto(`${base}/pharmacy/formulary?q=amox`);
    await page.getByRole("heading", { level: 1, name: "Formulary" }).waitFor();
    const text = await page.locator("table").innerText();
    assert(text.includes("amOXicillin"), "no Tall Man amOXicillin in the formulary search");
    await shot(page, "rx-01-formulary");
    await axeScan(page, "pharmacy formulary");
  });
  if (!signedIn || !patientUrl) return;

  const prescribed = await check("the doctor checks and signs a medication order on the chart tab", async () => {
    await page.goto(`${patientUrl}/pharmacy`);
    await page.getByRole("heading", { name: "Prescribe" }).waitFor();
    await page.getByLabel("Product").selectOption("OMEP-20-CAP");
    await page.getByLabel("Dose", { exact: true }).fill("20");
    await page.getByLabel("Dose unit").selectOption("mg");
    await page.getByLabel("Frequency").selectOption("OD");
    await page.getByLabel("Quantity to supply").fill("28");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Check" }).click()]);
    await page.getByRole("heading", { name: "Safety checks (KB demo-1)" }).waitFor();
    await shot(page, "rx-02-checks");
    await axeScan(page, "medication orders tab with the checks");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign order" }).click()]);
    await page.getByText("The medication order is signed").waitFor();
    assert((await page.locator("table").innerText()).includes("Omeprazole"), "the order is not listed");
  });
  if (!prescribed) return;

  await check("the pharmacist verifies, dispenses and sees the stock", async () => {
    await signIn(page, base, "pharmacist@demo.hearth");
    await page.goto(`${base}/pharmacy/verify`);
    await page.getByRole("heading", { level: 1, name: "Verification queue" }).waitFor();
    await shot(page, "rx-03-verify");
    await axeScan(page, "verification queue");
    const row = page.locator("tr", { hasText: "Omeprazole" }).last();
    await Promise.all([page.waitForLoadState("load"), row.getByRole("button", { name: "Verify" }).click()]);
    await page.getByText("The order is verified.").waitFor();
    await page.goto(`${base}/pharmacy/dispense`);
    await page.getByRole("heading", { level: 1, name: "Dispensing" }).waitFor();
    await axeScan(page, "dispensing");
    const drow = page.locator("tr", { hasText: "Omeprazole" }).last();
    await drow.getByLabel("Store").selectOption({ label: "Main pharmacy" });
    await Promise.all([page.waitForLoadState("load"), drow.getByRole("button", { name: "Dispense" }).click()]);
    await page.getByText("Dispensed (first expiry, first out)").waitFor();
    await page.goto(`${base}/pharmacy/stock`);
    await page.getByRole("heading", { level: 1, name: "Pharmacy stock" }).waitFor();
    await shot(page, "rx-04-stock");
    await axeScan(page, "pharmacy stock");
  });
}
