// E-invoices: a business customer takes its invoices as Peppol UBL, set on the customer's page
// (a mistyped electronic address is said under its field and nothing is saved); the invoice's
// "Save as" then hands over the UBL XML in the buyer's format, and a Factur-X PDF when asked. A
// unit exempt from VAT states why in its settings (category E on its e-invoices).
import { assert, become, downloaded, noErrorBanner, page, rpc, shot, step, tid } from "../harness.mjs";

const PEPPOL_BIS = "urn:fdc:peppol.eu:2017:poacc:billing:3.0";

export async function einvoices(t) {
  const { base, boot } = t;
  const nl = boot.businessUnits[0];
  const admin = boot.people.find((u) => u.role === "admin");
  const nctx = { userId: admin.id, buId: nl.id };
  let invoice;

  await step("customers (Alex Accounts): a business customer takes Peppol e-invoices; a mistyped electronic address is said under its field and nothing is saved", async () => {
    // An invoice of a business customer of its own (not a billing group's, whose own settings would come first).
    const issued = (await rpc(base, "invoices.list", { kind: "invoice", sortDir: "desc", limit: "100" }, nctx)).items.filter((i) => !i.creditedBy);
    const business = [];
    for (const i of issued.filter((x) => !x.billingGroupId && !x.reverseCharge).slice(0, 40)) {
      if ((await rpc(base, "customers.get", { id: i.customerId }, nctx)).customerType === "business") business.push(i);
      if (business.length) break;
    }
    invoice = business[0] ?? issued.find((i) => !i.billingGroupId) ?? issued[0];
    assert(invoice, "an issued invoice in the first unit");
    // An e-invoice names the seller's VAT id: the demo's Dutch unit has one; set it if not.
    if (!nl.settings.seller.vatId) {
      await rpc(base, "bu.update", { id: nl.id, settings: { ...nl.settings, seller: { ...nl.settings.seller, vatId: "NL859123456B01" } } }, nctx);
    }
    const before = await rpc(base, "einvoicing.get", { ownerKind: "customer", ownerId: invoice.customerId }, nctx);

    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/customers/${invoice.customerId}`);
    const card = tid("einv-card");
    await card.waitFor();
    await tid("einv-format").locator('option[value="peppol"]').waitFor({ state: "attached" });
    assert(await tid("einv-save").isDisabled(), "nothing to save before a change");

    // Without the colon: refused, said under the address, and nothing is kept.
    await tid("einv-format").selectOption("peppol");
    await tid("einv-address").fill("0208 0123456789");
    await tid("einv-save").click();
    const addressField = page.locator("label.field", { has: tid("einv-address") });
    await addressField.locator(".field-error", { hasText: "scheme:identifier" }).waitFor();
    assert((await card.getByTestId("form-error").count()) === 0, "the refusal is said at its field only");
    const unchanged = await rpc(base, "einvoicing.get", { ownerKind: "customer", ownerId: invoice.customerId }, nctx);
    assert(JSON.stringify(unchanged) === JSON.stringify(before), `nothing was saved: ${JSON.stringify(before)} → ${JSON.stringify(unchanged)}`);
    await noErrorBanner();

    await tid("einv-address").fill("0208:0123456789");
    await tid("einv-reference").fill("PO-E2E-4711");
    await tid("einv-save").click();
    await tid("success-banner").filter({ hasText: "UBL, Peppol BIS Billing 3.0" }).waitFor();
    await addressField.locator(".field-error").waitFor({ state: "detached" });
    const saved = await rpc(base, "einvoicing.get", { ownerKind: "customer", ownerId: invoice.customerId }, nctx);
    assert(saved.format === "peppol" && saved.address === "0208:0123456789" && saved.buyerReference === "PO-E2E-4711", `saved: ${JSON.stringify(saved)}`);
    await tid("einv-save").and(page.locator("[disabled]")).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("einvoices-customer-card");
    await noErrorBanner();
  });

  await step("invoices (Alex Accounts): Save as in the buyer's format gives the UBL XML of Peppol BIS 3.0; Factur-X when asked", async () => {
    await page.goto(`${base}/#/invoices/${invoice.invoiceId}`);
    await tid("screen-title").filter({ hasText: invoice.number }).waitFor();
    const choice = tid("invoice-save-as-format");
    // The first choice names the buyer's format once it is known.
    await choice.locator("option", { hasText: "In the buyer's format: UBL, Peppol BIS Billing 3.0" }).waitFor({ state: "attached" });
    assert((await choice.inputValue()) === "", "the buyer's format is the default");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("einvoices-save-as");

    const xml = await downloaded(tid("invoice-save-as-go"));
    const text = xml.bytes.toString("utf8");
    assert(xml.name === `${invoice.number}.xml`, `downloaded ${xml.name}`);
    assert(/<(\w+:)?(Invoice|CreditNote)[\s>]/.test(text), `a UBL invoice: ${text.slice(0, 200)}`);
    assert(text.includes(PEPPOL_BIS), "it names the Peppol BIS Billing 3.0 profile");
    assert(text.includes(invoice.number), `it carries the number ${invoice.number}`);
    assert(text.includes("0123456789") && text.includes("PO-E2E-4711"), "it carries the buyer's electronic address and reference");
    await tid("success-banner").filter({ hasText: `${invoice.number}.xml downloaded` }).waitFor();

    // Another format when asked: Factur-X is the invoice PDF with the XML inside.
    await choice.selectOption("facturx");
    const pdf = await downloaded(tid("invoice-save-as-go"));
    assert(pdf.name === `${invoice.number}.pdf`, `downloaded ${pdf.name}`);
    assert(pdf.bytes.subarray(0, 4).toString("latin1") === "%PDF", `${pdf.name} starts with ${JSON.stringify(pdf.bytes.subarray(0, 8).toString("latin1"))}`);
    assert(pdf.bytes.includes(Buffer.from("factur-x.xml")), "the PDF carries factur-x.xml");
    await noErrorBanner();
  });

  await step("settings (Administrator): a unit exempt from VAT states why once its rate is 0; a statement beside a rate above 0 is refused at its field and nothing is saved", async () => {
    const before = (await rpc(base, "bu.list", {}, nctx)).find((b) => b.id === nl.id).settings;
    await become("Administrator");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/settings`);
    await tid("bu-tax-rate").waitFor();
    assert((await tid("bu-tax-exemption").count()) === 0, "a unit that charges VAT is not asked why it is exempt");
    await tid("bu-tax-rate").fill("0");
    await tid("bu-tax-exemption").fill("Exempt from VAT under Article 132(1)(c) of Directive 2006/112/EC");
    await tid("bu-tax-rate").fill(before.taxRate);
    assert((await tid("bu-tax-exemption").count()) === 1, "the statement stays in view once written");
    await tid("bu-save").click();
    const field = page.locator(".field").filter({ has: tid("bu-tax-exemption") });
    await field.locator(".field-error").filter({ hasText: "Only a unit that charges no tax states an exemption" }).waitFor();
    const after = (await rpc(base, "bu.list", {}, nctx)).find((b) => b.id === nl.id).settings;
    assert(after.taxExemption === before.taxExemption && after.taxRate === before.taxRate, `nothing was saved: ${after.taxRate} %, "${after.taxExemption}"`);
    await shot("tax-exemption-refused");
    await page.goto(`${base}/#/`);
  });
}
