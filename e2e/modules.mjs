// Radiology (issue 21), surgery (22), medication administration (23), the bed network (24),
// billing (25) and insurance (26), phase 1:
// each role opens its module's pages and one patient's chart tab or record from them, and axe
// scans every page at 1280 and 820 px. Called from smoke.mjs.

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

// Opens `path`, waits for its level-1 heading and scans it.
async function open(page, base, assert, path, heading, label, axeScan, shot, name) {
  const res = await page.goto(`${base}${path}`);
  assert(res && res.status() === 200, `${path} answered ${res && res.status()}`);
  await page.getByRole("heading", { level: 1, name: heading }).first().waitFor();
  await bothWidths(page, label, axeScan, shot, name);
}

// Follows the first link whose address matches `pattern`, then scans the page.
async function follow(page, assert, pattern, label, axeScan, shot, name) {
  const hrefs = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  const href = hrefs.find((h) => pattern.test(h || ""));
  assert(href, `a link matching ${pattern} on ${page.url()}`);
  const res = await page.goto(new URL(href, page.url()).toString());
  assert(res && res.status() === 200, `${href} answered ${res && res.status()}`);
  await page.locator("h1, h2").first().waitFor();
  await bothWidths(page, label, axeScan, shot, name);
}

export async function moduleChecks({ page, base, check, assert, axeScan, shot }) {
  await check("radiologist: overview, worklist, catalogue and a patient's report", async () => {
    await signIn(page, base, "radiologist@demo.hearth");
    await open(page, base, assert, "/radiology", /Radiology/, "Radiology overview", axeScan, shot, "rad-01-overview");
    await open(page, base, assert, "/radiology/worklist", /Worklist/i, "Radiology worklist", axeScan, shot, "rad-02-worklist");
    await open(page, base, assert, "/radiology/catalogue", /catalogue/i, "Radiology catalogue", axeScan, shot, "rad-03-catalogue");
    await open(page, base, assert, "/radiology", /Radiology/, "Radiology overview", axeScan, shot, "rad-01-overview");
    await follow(page, assert, /\/patients\/[^/]+\/radiology\/[^/]+$/, "Radiology order and report", axeScan, shot, "rad-04-order");
  });

  await check("nurse: theatre board, big screen, a case; eMAR ward, a patient's eMAR and wristband", async () => {
    await signIn(page, base, "nurse@demo.hearth");
    await open(page, base, assert, "/surgery", /Theatre/i, "Theatre board", axeScan, shot, "surg-01-board");
    await follow(page, assert, /^\/surgery\/cases\/[^/]+$/, "Surgical case", axeScan, shot, "surg-02-case");
    await open(page, base, assert, "/surgery?screen=1", /Theatre/i, "Theatre board, big screen", axeScan, shot, "surg-03-screen");
    await open(page, base, assert, "/surgery/theatres", /Theatres/i, "Theatres and lists", axeScan, shot, "surg-04-theatres");
    // The first ward with doses due (the demo's eMAR patients are not on the first ward).
    await open(page, base, assert, "/emar", /./, "eMAR ward doses due", axeScan, shot, "emar-01-ward");
    const wards = await page.locator("#ward option").evaluateAll((os) => os.map((o) => o.value));
    let ward = null;
    for (const w of wards) {
      await page.goto(`${base}/emar?ward=${w}`);
      if (await page.locator('a[href$="/emar"][href^="/patients/"]').count()) { ward = w; break; }
    }
    assert(ward, "a ward with doses due in the demo");
    const wardPath = `/emar?ward=${ward}`;
    await open(page, base, assert, wardPath, /./, "eMAR ward doses due", axeScan, shot, "emar-01-ward");
    await follow(page, assert, /\/patients\/[^/]+\/emar$/, "eMAR chart tab", axeScan, shot, "emar-02-chart");
    await follow(page, assert, /\/patients\/[^/]+\/emar\/administer$/, "eMAR administer", axeScan, shot, "emar-03-administer");
    await open(page, base, assert, wardPath, /./, "eMAR ward doses due", axeScan, shot, "emar-01-ward");
    await follow(page, assert, /\/patients\/[^/]+\/emar$/, "eMAR chart tab", axeScan, shot, "emar-02-chart");
    await follow(page, assert, /\/patients\/[^/]+\/emar\/wristband$/, "Wristband", axeScan, shot, "emar-04-wristband");
  });

  await check("billing clerk: worklist, an invoice, payments of the day and prices", async () => {
    await signIn(page, base, "billing@demo.hearth");
    await open(page, base, assert, "/billing", /Billing/i, "Billing worklist", axeScan, shot, "bill-01-worklist");
    await follow(page, assert, /\/patients\/[^/]+\/billing\/invoices\/[^/]+$/, "Invoice", axeScan, shot, "bill-02-invoice");
    await open(page, base, assert, "/billing/payments", /./, "Payments of the day", axeScan, shot, "bill-03-payments");
    await open(page, base, assert, "/billing/prices", /./, "Price list", axeScan, shot, "bill-04-prices");
  });

  await check("billing clerk: insurance claims, a claim and the patient's coverage", async () => {
    await signIn(page, base, "billing@demo.hearth");
    await open(page, base, assert, "/insurance/claims", /Insurance claims/, "Insurance claims", axeScan, shot, "ins-01-claims");
    await follow(page, assert, /\/patients\/[^/]+\/insurance\/claims\/[^/]+$/, "Insurance claim", axeScan, shot, "ins-02-claim");
    // The claim's address starts with its patient's: their insurance page.
    const patientInsurance = new URL(page.url()).pathname.replace(/\/claims\/[^/]+$/, "");
    await open(page, base, assert, patientInsurance, /./, "Patient's insurance", axeScan, shot, "ins-03-patient");
  });

  await check("the public bed availability page (no sign-in); the EMS dispatcher's network board", async () => {
    await page.context().clearCookies();
    await open(page, base, assert, "/availability", /Hospital bed availability/, "Public bed availability", axeScan, shot, "bednet-01-public");
    const listed = await page.locator("section.bednet-facility").count();
    assert(listed >= 2, `the public page lists ${listed} of the demo network's facilities`);
    await signIn(page, base, "emsdispatcher@demo.hearth");
    await open(page, base, assert, "/bednet", /Bed network/, "Bed network board", axeScan, shot, "bednet-02-board");
  });
}
