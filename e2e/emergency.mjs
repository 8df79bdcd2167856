// The emergency department (issue 18): the ED coordinator registers an arrival with the quick
// form (keyboard only), triages it (ESI v4), assigns a bay and sees the patient on the live
// tracking board and the wall display. axe scans the board, the arrival form, the chart tab and
// the wall display at 1280 and 820 px. Called from smoke.mjs.

const PASSWORD = "Demo!Hearth2026";

async function signIn(page, base, email) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.getByRole("button", { name: "Sign in" }).click()]);
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

export async function emergencyChecks({ page, base, check, assert, axeScan, shot }) {
  const family = `Edtest${Date.now() % 100000}`;
  const signedIn = await check("ED coordinator opens the tracking board", async () => {
    await signIn(page, base, "edcoordinator@demo.hearth");
    await page.goto(`${base}/emergency`);
    await page.getByRole("heading", { level: 1, name: "Emergency department" }).waitFor();
    await bothWidths(page, "ED tracking board", axeScan, shot, "ed-01-board");
  });
  if (!signedIn) return;

  const registered = await check("quick registration with the keyboard only", async () => {
    await page.goto(`${base}/emergency/arrivals`);
    await page.getByRole("heading", { level: 1, name: "Register an arrival" }).waitFor();
    await bothWidths(page, "ED arrival form", axeScan, shot, "ed-02-arrival");
    // The name field has focus; type through the four required fields.
    await page.keyboard.type(`Grace ${family}`);
    await page.keyboard.press("Tab");
    await page.getByLabel("Sex").selectOption("female");
    await page.getByLabel("Age", { exact: true }).fill("67");
    await page.getByLabel("Chief complaint").fill("Shortness of breath");
    await page.getByLabel("Arrival mode").selectOption("ambulance");
    await Promise.all([
      page.waitForURL((u) => u.pathname.endsWith("/emergency")),
      page.getByLabel("Chief complaint").press("Enter"),
    ]);
    await page.getByRole("heading", { name: "Triage (ESI v4)" }).waitFor();
  });
  if (!registered) return;

  await check("ESI triage on the chart tab: (B) high risk gives ESI 2", async () => {
    await bothWidths(page, "ED chart tab with the triage form", axeScan, shot, "ed-03-triage");
    await page.getByLabel("High-risk situation").check();
    await page.getByLabel("Heart rate (/min)").fill("112");
    await page.getByLabel("Respiratory rate (/min)").fill("24");
    await page.getByLabel("SpO2 (%)").fill("93");
    await page.getByLabel("Temperature (°C)").fill("37.4");
    await page.getByLabel("Pregnancy").selectOption("not_applicable");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Record the triage" }).click()]);
    await page.getByText("Triage recorded: ESI 2.").waitFor();
  });

  await check("the board shows the patient with ESI 2; the wall display shows initials only", async () => {
    await page.goto(`${base}/emergency`);
    const row = page.locator("table.ed-board tr", { hasText: family });
    await row.waitFor();
    assert((await row.locator(".esi-2").count()) === 1, "no ESI 2 badge on the board");
    await page.goto(`${base}/emergency/wall`);
    await page.getByRole("heading", { level: 1, name: /wall display/ }).waitFor();
    const text = await page.locator("table").innerText();
    assert(!text.includes(family), "the wall display shows a family name");
    await bothWidths(page, "ED wall display", axeScan, shot, "ed-04-wall");
  });
}
