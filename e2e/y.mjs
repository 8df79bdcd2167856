// Start pages, the audit log and the roles page (issue 13 items 13–15): the doctor's start
// page with their work, the audit log filtered by a patient's name, and a role's page with its
// summary of changes before saving (nothing is saved). axe scans each at 1280 and 820 px.
// Called from smoke.mjs with the registered patient's family name (if any).
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

async function bothWidths(page, label, axeScan, shot, name) {
  await page.setViewportSize({ width: 1280, height: 860 });
  await shot(page, `${name}-1280`);
  await axeScan(page, `${label} (1280 px)`);
  await page.setViewportSize({ width: 820, height: 1180 });
  await shot(page, `${name}-820`);
  await axeScan(page, `${label} (820 px)`);
  await page.setViewportSize({ width: 1280, height: 860 });
}

export async function startPageChecks({ page, base, check, assert, axeScan, shot, familyName }) {
  const doctor = await check("doctor signs in (with TOTP) and the start page shows their work", async () => {
    await signIn(page, base, "doctor@demo.hearth");
    await page.goto(`${base}/`);
    for (const title of ["Unsigned notes", "Recent patients", "Alerts"]) {
      await page.getByRole("heading", { name: title, exact: true }).waitFor();
    }
    assert(!(await page.locator("#panel-observations-due").count()), "a doctor was shown a nurse's observations");
    await bothWidths(page, "doctor's start page", axeScan, shot, "y-01-doctor-start");
  });

  const admin = await check("admin signs in and filters the audit log by a patient's name", async () => {
    await signIn(page, base, "admin@demo.hearth");
    const name = familyName || "a";
    await page.goto(`${base}/audit`);
    await page.getByLabel("Patient (name, MRN or id)").fill(name);
    await Promise.all([page.waitForURL((u) => u.searchParams.get("patient") === name), page.getByRole("button", { name: "Filter" }).click()]);
    const cells = page.locator("table.audit-table tbody tr td:nth-child(6)");
    const n = await cells.count();
    assert(n > 0, `no audit events for the patient "${name}"`);
    const texts = await cells.allInnerTexts();
    if (familyName) assert(texts.every((t) => t.includes(familyName) || t.includes("Restricted record")), `rows of other patients: ${texts.slice(0, 5).join(" | ")}`);
    const changes = await page.locator("table.audit-table td.changes").allInnerTexts();
    const raw = changes.find((t) => t.includes('{"'));
    assert(!raw, `raw JSON in the changes column: ${raw}`);
    await page.getByLabel(/Access only/).check();
    await Promise.all([page.waitForURL((u) => u.searchParams.get("access") === "on"), page.getByRole("button", { name: "Filter" }).click()]);
    await bothWidths(page, "audit log filtered by patient name", axeScan, shot, "y-02-audit-filtered");
  });
  if (!doctor && !admin) return;

  await check("a role's page groups permissions by module and summarises changes before saving", async () => {
    await page.goto(`${base}/admin/roles`);
    await page.getByRole("link", { name: "Pharmacist", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/admin/roles/pharmacist");
    await page.getByRole("group", { name: /Patients/ }).first().waitFor();
    await bothWidths(page, "role page", axeScan, shot, "y-03-role");
    const box = page.locator("#perm-patients\\.write");
    const was = await box.isChecked();
    await box.setChecked(!was);
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/preview")), page.getByRole("button", { name: "Review changes" }).click()]);
    await page.getByRole("heading", { name: was ? /Removed \(1\)/ : /Granted \(1\)/ }).waitFor();
    assert((await page.content()).includes("patients.write"), "the summary does not name the permission");
    await bothWidths(page, "role change summary", axeScan, shot, "y-04-role-summary");
    // Back to the selection: nothing was saved.
    await page.getByRole("button", { name: "Change the selection" }).click();
    await page.locator("#perm-patients\\.write").waitFor();
    assert((await page.locator("#perm-patients\\.write").isChecked()) === !was, "the selection was not kept");
  });
}
