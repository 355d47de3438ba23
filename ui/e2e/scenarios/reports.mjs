// Reports and exports: the invoices' month view shows the month's VAT report per category and
// rate, as the core adds it up, and hands it over as a PDF and a CSV; the lists export their
// records as CSV files.
import { assert, become, downloaded, noErrorBanner, page, rpc, shot, step, tid } from "../harness.mjs";

/** An amount's digits only: "€ 1.234,56" and "1234.56" both → "123456". */
const digits = (text) => text.replace(/\D/g, "");

export async function reports(t) {
  const { base, boot } = t;
  const nl = boot.businessUnits[0];
  const admin = boot.people.find((u) => u.role === "admin");
  const nctx = { userId: admin.id, buId: nl.id };

  await step("invoices (Alex Accounts): the VAT report of the month adds up per rate, and downloads as PDF and CSV", async () => {
    const latest = (await rpc(base, "invoices.list", { sortDir: "desc", limit: "1" }, nctx)).items[0];
    assert(latest, "an issued invoice in the first unit");
    const month = latest.issueDate.slice(0, 7);
    const report = await rpc(base, "reports.vat", { month }, nctx);
    assert(report.rows.length > 0 && report.invoices + report.creditNotes > 0, `the report of ${month} has rows: ${JSON.stringify(report)}`);

    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/invoices?month=${month}`);
    const card = page.locator(`[data-testid="vat-report"][data-month="${month}"]`);
    await card.getByTestId("vat-table").waitFor();
    const rows = card.getByTestId("vat-row");
    assert((await rows.count()) === report.rows.length, `${await rows.count()} rows shown, the core has ${report.rows.length}`);
    for (const [i, r] of report.rows.entries()) {
      const row = rows.nth(i);
      assert((await row.getAttribute("data-category")) === r.category, `row ${i} is ${r.category}`);
      const cells = await row.locator("td").allInnerTexts();
      assert(cells[0].includes(r.label) && cells[0].includes(r.category), `row ${i} reads "${cells[0]}"`);
      assert(digits(cells[3]) === digits(r.net) && digits(cells[4]) === digits(r.tax), `row ${i} reads ${cells.join(" | ")}, the core has net ${r.net}, tax ${r.tax}`);
    }
    const net = await card.getByTestId("vat-total-net").innerText();
    const tax = await card.getByTestId("vat-total-tax").innerText();
    assert(digits(net) === digits(report.net) && digits(tax) === digits(report.tax), `the total reads ${net} / ${tax}, the core has ${report.net} / ${report.tax}`);
    const counts = card.getByTestId("vat-counts");
    assert((await counts.getAttribute("data-invoices")) === String(report.invoices) && (await counts.getAttribute("data-credit-notes")) === String(report.creditNotes), "the counts are the core's");
    const said = await counts.innerText();
    assert(said.includes(`${report.invoices} invoice`) && said.includes(`${report.creditNotes} credit note`), `the counts read "${said}"`);
    await card.scrollIntoViewIfNeeded();
    await shot("reports-vat");

    const csv = await downloaded(tid("vat-csv"));
    const text = csv.bytes.toString("utf8");
    assert(csv.name.endsWith(`${month}.csv`), `downloaded ${csv.name}`);
    assert(text.startsWith("from,to,category"), `the CSV starts ${JSON.stringify(text.slice(0, 60))}`);
    // A row per category and rate, then the total.
    assert(text.trim().split("\n").length === report.rows.length + 2, `the CSV has ${text.trim().split("\n").length} lines`);
    await tid("success-banner").filter({ hasText: csv.name }).waitFor();

    const pdf = await downloaded(tid("vat-pdf"));
    assert(pdf.name.endsWith(`${month}.pdf`), `downloaded ${pdf.name}`);
    assert(pdf.bytes.subarray(0, 4).toString("latin1") === "%PDF", `${pdf.name} starts with ${JSON.stringify(pdf.bytes.subarray(0, 8).toString("latin1"))}`);

    // A month without invoices says so.
    await page.goto(`${base}/#/invoices?month=2001-01`);
    await page.locator('[data-testid="vat-report"][data-month="2001-01"]').filter({ hasText: "No invoices issued in" }).waitFor();
    await noErrorBanner();
  });

  await step("customers (Alex Accounts): the customers export downloads as CSV", async () => {
    await page.goto(`${base}/#/customers`);
    const button = tid("customers-csv");
    await button.waitFor();
    assert(await button.isEnabled(), "an accountant may export the customers");
    const csv = await downloaded(button);
    const text = csv.bytes.toString("utf8");
    assert(csv.name.endsWith(".csv"), `downloaded ${csv.name}`);
    assert(text.startsWith("customerId,email"), `the CSV starts ${JSON.stringify(text.slice(0, 60))}`);
    await tid("success-banner").filter({ hasText: csv.name }).waitFor();
    await noErrorBanner();
  });
}
