// The laboratory (issue 20, phase 1): the lab technician opens the overview, the collection
// list, receiving and the biochemistry worksheet, releases the demo's results awaiting release,
// opens a patient's Laboratory tab from the critical list and the catalogue; the doctor orders a
// test from the chart tab. axe scans each page at 1280 and 820 px. Called from smoke.mjs.

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

export async function laboratoryChecks({ page, base, check, assert, axeScan, shot }) {
  const signedIn = await check("lab technician opens the laboratory", async () => {
    await signIn(page, base, "labtech@demo.hearth");
    await page.goto(`${base}/laboratory`);
    await page.getByRole("heading", { level: 1, name: "Laboratory" }).waitFor();
    await bothWidths(page, "Laboratory overview", axeScan, shot, "lab-01-overview");
  });
  if (!signedIn) return;

  await check("collection list and receiving", async () => {
    await page.goto(`${base}/laboratory/collect`);
    await page.getByRole("heading", { level: 1, name: "Collection list" }).waitFor();
    await bothWidths(page, "Laboratory collection list", axeScan, shot, "lab-02-collect");
    await page.goto(`${base}/laboratory/receive`);
    await page.getByRole("heading", { level: 1, name: "Receiving" }).waitFor();
    await bothWidths(page, "Laboratory receiving", axeScan, shot, "lab-03-receive");
  });

  const released = await check("biochemistry worksheet: release the results awaiting release", async () => {
    await page.goto(`${base}/laboratory/worksheet?section=biochemistry`);
    await page.getByRole("heading", { level: 1, name: "Worksheet: Biochemistry" }).waitFor();
    await bothWidths(page, "Biochemistry worksheet", axeScan, shot, "lab-04-worksheet");
    const release = page.getByRole("button", { name: "Release", exact: true }).first();
    if (await release.count()) {
      await Promise.all([page.waitForURL((u) => u.pathname === "/laboratory/worksheet"), release.click()]);
      await page.getByText("Results released.").waitFor();
    }
  });
  if (!released) return;

  await check("a patient's Laboratory tab from the critical list", async () => {
    await page.goto(`${base}/laboratory/worksheet?section=biochemistry`);
    const open = page.getByRole("link", { name: "Open the chart" }).first();
    assert(await open.count(), "the demo has a critical result to phone");
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/laboratory")), open.click()]);
    await page.getByRole("heading", { level: 2, name: "Laboratory" }).waitFor();
    await bothWidths(page, "Chart Laboratory tab", axeScan, shot, "lab-05-chart");
  });

  await check("the catalogue", async () => {
    await page.goto(`${base}/laboratory/catalogue`);
    await page.getByRole("heading", { level: 1, name: "Laboratory catalogue" }).waitFor();
    await page.getByText("2823-3").waitFor();
    await bothWidths(page, "Laboratory catalogue", axeScan, shot, "lab-06-catalogue");
  });
}
