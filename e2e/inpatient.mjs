// Inpatient care (issue 17): a nurse sees the live bed board and a ward view, admits the
// registered patient to a free bed from the chart's Admissions tab, finds them on the board,
// discharges them, and housekeeping marks the bed clean on the phone-sized page; the hospital
// administrator opens the ward configuration; the nurse assigns a bed from the placement queue
// (bed requests). axe scans each page.
// Called from smoke.mjs with the registered patient's page URL (if any) and family name.
import { freshTotp } from "./totp.mjs";

const PASSWORD = "Demo!Hearth2026";
const TOTP_SECRET = "JBSWY3DPEHPK3PXP";

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

export async function inpatientChecks({ page, base, check, assert, axeScan, shot, patientUrl, familyName }) {
  const board = await check("a nurse opens the bed board and a ward view", async () => {
    await signIn(page, base, "nurse@demo.hearth");
    await page.goto(`${base}/inpatient`);
    await page.getByRole("heading", { name: "Bed board", exact: true }).waitFor();
    await page.locator("table.ipd-board tbody tr").first().waitFor();
    const occupied = await page.locator("tr.ipd-occupied").count();
    assert(occupied > 10, `only ${occupied} occupied beds on the demo board`);
    await shot(page, "ipd-01-board");
    await axeScan(page, "bed board");
    await page.getByRole("link", { name: /Ward view AMU/ }).click();
    await page.getByRole("heading", { name: "Observations due" }).waitFor();
    await shot(page, "ipd-02-ward");
    await axeScan(page, "ward view");
    await page.goto(`${base}/inpatient/census`);
    await page.getByRole("heading", { name: /Census/ }).waitFor();
    await axeScan(page, "census");
  });
  if (!board) return;

  await check("the nurse places a bed request: assigns a bed from the queue", async () => {
    await page.goto(`${base}/inpatient/placement`);
    await page.getByRole("heading", { name: "Bed placement", exact: true }).waitFor();
    const requests = await page.locator("li.ipd-request").count();
    assert(requests >= 3, `only ${requests} bed requests in the demo queue`);
    await shot(page, "ipd-05-placement");
    await axeScan(page, "placement queue");
    const assign = page.getByRole("button", { name: "Assign and hold" }).first();
    if (await assign.count()) {
      await Promise.all([page.waitForURL((u) => u.pathname === "/inpatient/placement"), assign.click()]);
      await page.getByText("The bed is held for the patient.").waitFor();
      await axeScan(page, "placement queue (after assigning)");
    }
  });

  const stays = patientUrl ? `${patientUrl.replace(/[?#].*$/, "").replace(/\/+$/, "")}/inpatient` : null;
  if (stays) {
    await check("the nurse admits the registered patient and discharges them", async () => {
      await page.goto(stays);
      await page.getByRole("heading", { name: "Admit", exact: true }).waitFor();
      await axeScan(page, "admissions tab (admit form)");
      const bed = page.getByLabel("Bed", { exact: true });
      const value = await bed.locator("option").nth(1).getAttribute("value");
      await bed.selectOption(value);
      await page.getByLabel("Admitted from").selectOption("ed");
      await page.getByLabel("Admitting diagnosis").fill("Community-acquired pneumonia");
      await page.getByLabel("Expected length of stay (days)").fill("3");
      await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/inpatient")), page.getByRole("button", { name: "Admit", exact: true }).click()]);
      await page.getByText("The patient is admitted.").waitFor();
      await page.getByRole("heading", { name: "Current stay" }).waitFor();
      await shot(page, "ipd-03-admitted");
      await axeScan(page, "admissions tab (current stay)");
      await page.goto(`${base}/inpatient`);
      if (familyName) assert((await page.content()).includes(familyName), "the admitted patient is not on the board");
      await page.goto(stays);
      await page.locator("summary", { hasText: "Discharge" }).click();
      await page.getByLabel("Disposition").selectOption("home");
      await page.getByLabel("Discharge summary").fill("Recovered.");
      await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/inpatient")), page.locator("form[action$='/discharge'] button[type=submit]").click()]);
      await page.getByText("The patient is discharged; the bed goes to cleaning.").waitFor();
    });
  }

  await check("housekeeping marks a bed clean on the phone-sized page", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/inpatient/housekeeping`);
    await page.getByRole("heading", { name: "Housekeeping", exact: true }).waitFor();
    await shot(page, "ipd-04-housekeeping-phone");
    await axeScan(page, "housekeeping (phone)");
    const done = page.getByRole("button", { name: /is clean$/ }).first();
    if (await done.count()) {
      await Promise.all([page.waitForURL((u) => u.pathname === "/inpatient/housekeeping"), done.click()]);
      await page.getByText("The bed is clean and available.").waitFor();
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await check("the hospital administrator opens the ward configuration", async () => {
    await signIn(page, base, "hospitaladmin@demo.hearth");
    await page.goto(`${base}/inpatient/config`);
    await page.getByRole("heading", { name: "Wards and beds", exact: true }).waitFor();
    await axeScan(page, "ward configuration");
    await page.getByRole("link", { name: /AMU — Acute Medical Unit/ }).first().click();
    await page.getByRole("heading", { name: "Add beds" }).waitFor();
    await axeScan(page, "ward configuration (beds)");
  });
}
