// Mistakes put right at the desk: a payment marked paid by mistake is taken back by the
// accountant and is open again; one already on an invoice offers no taking back, and says a
// credit note is the way. A unit taken in under a mistyped serial and the wrong SKU is put right by
// the warehouse while it has never been rented. A wrong serial activated at the scan station is
// voided the same day: the unit is back in stock and the order's line free again.
import { assert, become, dayFromToday, noErrorBanner, page, rpc, shot, step, tid, uniq, wedge } from "../harness.mjs";

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

  await step("assets (Sam Warehouse): a unit taken in under a mistyped serial and the wrong SKU is put right; the old serial stays as unavailable", async () => {
    const laptops = (await rpc(base, "catalog.listVariants", { status: "active", category: "Laptops", limit: "50" }, nctx)).items;
    const [first, second] = [laptops[0], laptops.find((v) => v.variantSku !== laptops[0]?.variantSku)];
    assert(first && second, "two active laptop SKUs in the first unit");
    await rpc(base, "assets.create", { serialNumber: "E2E-TYPO-1", sku: first.variantSku, location: "Shelf T" }, nctx);

    await become("Sam Warehouse");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/assets/E2E-TYPO-1`);
    await tid("screen-title").filter({ hasText: "E2E-TYPO-1" }).waitFor();
    await tid("asset-correct-serial").click();
    await tid("asset-new-serial").fill("e2e-typo-10");
    await tid("asset-correct-reason").fill("Last digit left off at intake");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-serial-dialog");
    await tid("asset-correct-confirm").filter({ hasText: "Correct to E2E-TYPO-10" }).click();
    await tid("success-banner").filter({ hasText: "E2E-TYPO-1 corrected to E2E-TYPO-10." }).waitFor();
    await tid("screen-title").filter({ hasText: "E2E-TYPO-10" }).waitFor();
    assert(page.url().endsWith("#/assets/E2E-TYPO-10"), `the new serial's page is open: ${page.url()}`);
    const fixed = await rpc(base, "assets.get", { serialNumber: "E2E-TYPO-10" }, nctx);
    assert(fixed.sku === first.variantSku && fixed.status === "available" && fixed.location === "Shelf T", `the unit goes on under its new serial: ${JSON.stringify(fixed)}`);
    const wrong = await rpc(base, "assets.get", { serialNumber: "E2E-TYPO-1" }, nctx);
    assert(wrong.status === "unavailable" && (wrong.notes ?? "").includes("Serial corrected to E2E-TYPO-10."), `the mistyped serial is out of use: ${JSON.stringify(wrong)}`);

    // The SKU, chosen wrong at intake, is changed with the rest of the asset.
    await tid("asset-sku").selectOption(second.variantSku);
    await tid("asset-save").click();
    await tid("success-banner").filter({ hasText: "E2E-TYPO-10 saved." }).waitFor();
    await page.locator(".facts .mono", { hasText: second.variantSku }).first().waitFor();
    const resku = await rpc(base, "assets.get", { serialNumber: "E2E-TYPO-10" }, nctx);
    assert(resku.sku === second.variantSku, `the unit has the SKU chosen: ${JSON.stringify(resku)}`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-asset");
    await noErrorBanner();

    // A unit out on a subscription: its SKU is not offered for change, and the button says why its serial stays.
    const out = (await rpc(base, "assets.list", { status: "rented_out", limit: "1" }, nctx)).items[0];
    assert(out, "a rented-out unit in the first unit");
    await page.goto(`${base}/#/assets/${out.serialNumber}`);
    await tid("screen-title").filter({ hasText: out.serialNumber }).waitFor();
    const locked = tid("asset-correct-serial");
    await locked.waitFor();
    assert(await locked.isDisabled(), "correcting the serial of a rented unit is not offered");
    assert((await locked.getAttribute("title")).includes("has been rented"), `the title says: ${await locked.getAttribute("title")}`);
    assert((await tid("asset-sku").count()) === 0, "a rented unit's SKU is not offered for change");
  });

  await step("scan station mistake (Sam Warehouse): an activation made by mistake is voided the same day; the unit is back in stock and the order's line free again", async () => {
    // A confirmed or partly handed-out order with a line still wanting a device, and a unit in stock for it.
    const open = [
      ...(await rpc(base, "orders.list", { status: "confirmed", limit: "100" }, nctx)).items,
      ...(await rpc(base, "orders.list", { status: "partial", limit: "100" }, nctx)).items,
    ];
    let order;
    let serial;
    for (const o of open) {
      for (const item of o.items.filter((i) => i.rentalIds.length < i.quantity)) {
        const stock = (await rpc(base, "assets.list", { status: "available", sku: item.sku, limit: "1" }, nctx)).items[0];
        order ??= { o, item };
        if (stock) {
          order = { o, item };
          serial = stock.serialNumber;
          break;
        }
      }
      if (serial) break;
    }
    assert(order, "a confirmed or partial order with a line still wanting a device");
    if (!serial) {
      serial = `E2E-VOID-${uniq()}`;
      await rpc(base, "assets.create", { serialNumber: serial, sku: order.item.sku, location: "Scan bench" }, nctx);
    }
    const before = await rpc(base, "orders.get", { id: order.o.orderId }, nctx);

    // An activation of an earlier day offers no void.
    const old = (await rpc(base, "subscriptions.list", { status: "active", limit: "50" }, nctx)).items.find((r) => r.createdAt.slice(0, 10) < dayFromToday(-1));
    assert(old, "an active subscription activated before yesterday");

    await become("Sam Warehouse");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/subscriptions/${old.rentalId}`);
    await tid("screen-title").filter({ hasText: old.assetSerialNumber }).waitFor();
    await tid("sub-replace").waitFor();
    assert((await tid("sub-void").count()) === 0, "an activation of an earlier day offers no void");

    // The scan: the unit is activated on the order.
    await page.goto(`${base}/#/scan/${encodeURIComponent(before.orderNumber)}`);
    await tid("scan-order-progress").filter({ hasText: `${before.rentalProgress.rentedDevices} / ${before.rentalProgress.totalDevices}` }).waitFor();
    await wedge(serial);
    await tid("scan-log").locator('[data-testid="scan-row"][data-outcome="activated"]').filter({ hasText: serial }).first().waitFor();
    await tid("scan-order-progress").filter({ hasText: `${before.rentalProgress.rentedDevices + 1} / ${before.rentalProgress.totalDevices}` }).waitFor();
    const rental = (await rpc(base, "subscriptions.list", { serialNumber: serial, status: "active" }, nctx)).items[0];
    assert(rental?.orderId === before.orderId, `the unit is out on the order: ${JSON.stringify(rental)}`);

    // That was the wrong unit: the last scan's answer leads to its subscription, which voids it.
    await tid("scan-last").getByTestId("scan-undo").click();
    await tid("screen-title").filter({ hasText: serial }).waitFor();
    assert(page.url().endsWith(`#/subscriptions/${rental.rentalId}`), `the subscription is open: ${page.url()}`);
    await tid("sub-void").click();
    const dialog = tid("sub-void-dialog");
    await dialog.getByText(`${serial} goes back in stock`).waitFor();
    assert(await tid("sub-void-confirm").isDisabled(), "no void without a reason");
    await tid("sub-void-reason").fill("Wrong unit scanned: picked from the wrong shelf");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-void-dialog");
    await tid("sub-void-confirm").click();
    await tid("success-banner").filter({ hasText: `Activation of ${serial} voided` }).waitFor();
    await dialog.waitFor({ state: "detached" });
    await tid("subscription-status").filter({ hasText: /^voided$/i }).waitFor();
    await page.getByText("Activation voided: Wrong unit scanned: picked from the wrong shelf").first().waitFor();
    assert((await tid("sub-void").count()) === 0 && (await tid("sub-replace").count()) === 0, "nothing more is offered on a voided subscription");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-voided");

    const sub = (await rpc(base, "subscriptions.get", { id: rental.rentalId }, nctx)).rental;
    assert(sub.status === "cancelled" && sub.cancellationDetails?.voidedAt, `the subscription is voided: ${JSON.stringify(sub.cancellationDetails)}`);
    assert(sub.cancellationDetails.notes === "Activation voided: Wrong unit scanned: picked from the wrong shelf", `its notes: ${sub.cancellationDetails.notes}`);
    const unit = await rpc(base, "assets.get", { serialNumber: serial }, nctx);
    assert(unit.status === "available", `the unit is back in stock: ${JSON.stringify(unit)}`);
    const after = await rpc(base, "orders.get", { id: before.orderId }, nctx);
    assert(
      after.rentalProgress.rentedDevices === before.rentalProgress.rentedDevices && after.status === before.status && ["confirmed", "partial"].includes(after.status),
      `the order is as before the scan: ${before.status} ${before.rentalProgress.rentedDevices} → ${after.status} ${after.rentalProgress.rentedDevices}`,
    );
    await noErrorBanner();
  });
}
