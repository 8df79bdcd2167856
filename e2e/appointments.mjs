// Appointments (issue 16): the receptionist finds a free slot, books it for a demo patient by
// MRN, sees it on the front desk's list, checks a patient of today in and watches the live
// queue; the doctor calls the next patient; the hospital admin opens the clinic schedules.
// axe scans each page at 1280 and 820 px. Called from smoke.mjs.
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

export async function appointments({ page, base, check, assert, axeScan, shot }) {
  let mrn = null;
  const desk = await check("appointments: the front desk's list of today shows the demo clinics", async () => {
    await signIn(page, base, "reception@demo.hearth");
    await page.goto(`${base}/appointments`);
    await page.getByRole("heading", { name: "Appointments", level: 1 }).waitFor();
    const rows = page.locator("table.appt-table tbody tr");
    assert((await rows.count()) > 0, "no appointments today in the demo");
    mrn = (await page.locator("table.appt-table tbody tr td:nth-child(2) .mono").first().innerText()).trim();
    await bothWidths(page, "appointments: front desk list", axeScan, shot, "appt-01-desk");
  });
  if (!desk) return;

  await check("appointments: find a free slot and book it for a patient by MRN", async () => {
    await page.goto(`${base}/appointments/slots`);
    await page.getByRole("heading", { name: "Find free slots" }).waitFor();
    await bothWidths(page, "appointments: slot finder", axeScan, shot, "appt-02-slots");
    await Promise.all([page.waitForURL((u) => u.pathname === "/appointments/book"), page.getByRole("link", { name: "Book…" }).first().click()]);
    await page.getByLabel("Patient's MRN").fill(mrn);
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/appointments/new")), page.getByRole("button", { name: "Continue" }).click()]);
    await page.getByRole("heading", { name: "Chosen slot" }).waitFor();
    await bothWidths(page, "appointments: booking from the chart", axeScan, shot, "appt-03-book");
    await page.getByLabel("Reason for the visit").fill("E2E review");
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/appointments")), page.getByRole("button", { name: "Book", exact: true }).click()]);
    assert((await page.content()).includes("E2E review"), "the booking is not on the patient's tab");
    await bothWidths(page, "appointments: chart tab", axeScan, shot, "appt-04-tab");
  });

  await check("appointments: check a patient of today in; the queue shows the token", async () => {
    await page.goto(`${base}/appointments`);
    const button = page.getByRole("button", { name: "Check in" }).first();
    if (await button.count()) {
      await Promise.all([page.waitForURL((u) => u.pathname === "/appointments"), button.click()]);
      const flash = await page.locator(".flash").first().innerText();
      assert(/A-\d{3}/.test(flash), `no queue token in "${flash}"`);
    }
    await page.goto(`${base}/appointments/queue`);
    await page.locator("#queue-rows").waitFor();
    assert((await page.locator("td.appt-token").count()) > 0, "the queue is empty");
    await bothWidths(page, "appointments: outpatient queue", axeScan, shot, "appt-05-queue");
  });

  await check("appointments: the doctor calls the next patient", async () => {
    await signIn(page, base, "doctor@demo.hearth");
    await page.goto(`${base}/appointments/queue`);
    await Promise.all([page.waitForURL((u) => u.pathname === "/appointments/queue"), page.getByRole("button", { name: "Call next patient" }).click()]);
    const flash = await page.locator(".flash").first().innerText();
    assert(/Called|Nobody/.test(flash), `unexpected flash "${flash}"`);
    await page.goto(`${base}/appointments/day`);
    await page.getByLabel("Clinician", { exact: true }).selectOption({ label: "Dr. Daniel Okafor" });
    await Promise.all([page.waitForURL((u) => u.searchParams.has("clinician_id")), page.getByRole("button", { name: "Show" }).click()]);
    await bothWidths(page, "appointments: clinician's day", axeScan, shot, "appt-06-day");
  });

  await check("appointments: the hospital admin sees the clinic schedules", async () => {
    await signIn(page, base, "hospitaladmin@demo.hearth");
    await page.goto(`${base}/appointments/schedules`);
    await page.getByRole("heading", { name: "Clinic schedules" }).waitFor();
    assert((await page.locator("table.appt-table tbody tr").count()) > 0, "no demo templates");
    await bothWidths(page, "appointments: clinic schedules", axeScan, shot, "appt-07-schedules");
  });
}
