// Mistakes put right at the desk: a payment marked paid by mistake is taken back by the
// accountant and is open again; one already on an invoice offers no taking back, and says a
// credit note is the way.
import { assert, become, noErrorBanner, page, rpc, step, tid } from "../harness.mjs";

export async function corrections(t) {
  const { base, boot } = t;
  const nl = boot.businessUnits[0];
  const admin = boot.people.find((u) => u.role === "admin");
  const nctx = { userId: admin.id, buId: nl.id };
  await step("payments (Alex Accounts): a payment marked paid by mistake is taken back with a reason and is open again; one on an invoice says a credit note is the way", async () => {
    // A pending payment, not invoiced, of a customer with no other paid payment outside an invoice.
    const pending = (await rpc(base, "payments.list", { status: "pending", limit: "100" }, nctx)).items.filter((p) => !p.invoiceId && !p.consolidatedInto && p.rentalId);
    let chosen;
    for (const p of pending) {
      const paid = (await rpc(base, "payments.list", { status: "paid", customerId: p.customerId, limit: "100" }, nctx)).items;
      if (paid.every((x) => x.invoiceId || x.consolidatedInto)) {
        chosen = p;
        break;
      }
    }
    assert(chosen, "a pending payment of a customer whose paid payments are all invoiced");
    await rpc(base, "payments.markPaid", { id: chosen.paymentId, paymentReference: "E2E-OOPS-1" }, nctx);

    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/payments?tab=paid&customer=${chosen.customerId}`);
    const row = tid("payments-row").filter({ has: page.locator('[data-testid="payments-reverse"]:not([disabled])') });
    await row.first().waitFor();
    assert((await row.count()) === 1, `one payment of the customer can be taken back, not ${await row.count()}`);
    await row.getByTestId("payments-reverse").click();
    await tid("pay-reason-dialog").getByText("Take back a payment marked paid by mistake").waitFor();
    await tid("pay-reason").fill("Booked on the wrong customer");
    await tid("pay-reason-confirm").click();
    await tid("success-banner").filter({ hasText: "taken back" }).waitFor();
    await row.first().waitFor({ state: "detached" });
    const back = (await rpc(base, "payments.list", { customerId: chosen.customerId, limit: "100" }, nctx)).items.find((p) => p.paymentId === chosen.paymentId);
    assert(back.status === "pending" && !back.paidAt && !back.paymentReference, `the payment is open again: ${JSON.stringify(back)}`);
    await noErrorBanner();

    // A paid payment on an invoice: the button is there but says why it does not take it back.
    await page.goto(`${base}/#/payments?tab=paid`);
    const invoiced = tid("payments-reverse").and(page.locator("[disabled]")).first();
    await invoiced.waitFor();
    assert((await invoiced.getAttribute("title")).includes("credit note"), `the title says: ${await invoiced.getAttribute("title")}`);
  });
}
