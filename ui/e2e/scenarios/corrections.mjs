// Mistakes put right at the desk: a payment marked paid by mistake is taken back by the
// accountant and is open again; one already on an invoice offers no taking back, and says a
// credit note is the way. A unit taken in under a mistyped serial and the wrong SKU is put right by
// the warehouse while it has never been rented. A wrong serial activated at the scan station is
// voided the same day: the unit is back in stock and the order's line free again.
import { TODAY, assert, become, cents, dayFromToday, noErrorBanner, page, rpc, shot, step, tid, uniq, wedge } from "../harness.mjs";

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

  await step("payments (Alex Accounts): a part payment leaves the rest open, the last part pays it; a refund gives money back", async () => {
    // A pending payment of its own (not a line of a consolidated one, not invoiced), nothing received
    // on it yet: the latest due, which no month-end run of the scenarios before has invoiced.
    const pending = (await rpc(base, "payments.list", { status: "pending", dueDateFrom: TODAY, sortDir: "desc", limit: "100" }, nctx)).items;
    const chosen = pending.find((p) => p.paymentType === "individual" && !p.consolidatedInto && !p.invoiceId && cents(p.amountReceived) === 0 && cents(p.total) >= 2000);
    assert(chosen, "a pending individual payment of at least 20.00, not invoiced, nothing received on it");
    // A round part below the total, and the rest to the cent.
    const partCents = Math.floor(cents(chosen.total) / 200) * 100;
    const restCents = cents(chosen.total) - partCents;
    const text = (c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
    const [part, rest] = [text(partCents), text(restCents)];

    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(nl.id);
    const only = `customer=${chosen.customerId}&from=${chosen.dueDate}&to=${chosen.dueDate}`;
    await page.goto(`${base}/#/payments?tab=all&${only}`);
    const row = page.locator(`[data-testid="payments-row"][data-payment-id="${chosen.paymentId}"]`);
    await row.waitFor();

    // More than is open: the core's sentence shows under the amount, in the dialog.
    await row.getByTestId("payments-receive").click();
    const dialog = tid("pay-receive-dialog");
    await dialog.waitFor();
    assert((await tid("pay-day").inputValue()) === TODAY, `the day starts as today: ${await tid("pay-day").inputValue()}`);
    assert((await tid("pay-amount").inputValue()) === "", "the amount starts empty");
    assert(await tid("pay-receive-confirm").isDisabled(), "no part payment without an amount");
    await tid("pay-amount").fill(text(cents(chosen.total) + 100));
    await tid("pay-receive-confirm").click();
    await dialog.locator(".field-error", { hasText: "is still open on payment" }).waitFor();

    await tid("pay-amount").fill(part);
    await tid("pay-method").selectOption("cash");
    await tid("pay-reference").fill("E2E-PART-1");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-part-payment-dialog");
    await tid("pay-receive-confirm").click();
    await tid("success-banner").filter({ hasText: "is still open" }).waitFor();
    await dialog.waitFor({ state: "detached" });
    const half = await rpc(base, "payments.get", { id: chosen.paymentId }, nctx);
    assert(half.status === "pending" && half.amountReceived === part && half.amountOpen === rest, `the rest stays open: ${half.status}, received ${half.amountReceived}, open ${half.amountOpen}`);
    await row.getByTestId("payments-open-amount").waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-part-paid-row");

    // The last part pays it.
    await row.getByTestId("payments-receive").click();
    await dialog.waitFor();
    await tid("pay-amount").fill(rest);
    await tid("pay-reference").fill("E2E-PART-2");
    await tid("pay-receive-confirm").click();
    await tid("success-banner").filter({ hasText: "paid in full" }).waitFor();
    await dialog.waitFor({ state: "detached" });
    const full = await rpc(base, "payments.get", { id: chosen.paymentId }, nctx);
    assert(full.status === "paid" && full.amountReceived === chosen.total && cents(full.amountOpen) === 0, `the last part pays it: ${full.status}, received ${full.amountReceived}`);

    // Money given back on the Paid tab: it stays paid.
    await page.goto(`${base}/#/payments?tab=paid&${only}`);
    await row.waitFor();
    const refund = row.getByTestId("payments-refund");
    assert((await refund.getAttribute("title")).startsWith("Refund: money given back"), `the refund's title: ${await refund.getAttribute("title")}`);
    assert((await row.getByTestId("payments-reverse").getAttribute("title")).startsWith("Take back: marked paid by mistake"), "take back says it is for a mistake");
    await refund.click();
    const back = tid("pay-refund-dialog");
    await back.getByText("Refund: money given back").waitFor();
    await tid("pay-amount").fill("5.00");
    await tid("pay-reference").fill("E2E-REFUND-1");
    await tid("pay-notes").fill("Goodwill: delivered late");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-refund-dialog");
    await tid("pay-refund-confirm").click();
    await tid("success-banner").filter({ hasText: "stays paid" }).waitFor();
    await back.waitFor({ state: "detached" });
    const refunded = await rpc(base, "payments.get", { id: chosen.paymentId }, nctx);
    assert(refunded.status === "paid" && refunded.amountRefunded === "5.00", `refunded and still paid: ${refunded.status}, refunded ${refunded.amountRefunded}`);
    const receipts = await rpc(base, "payments.receipts", { id: chosen.paymentId }, nctx);
    assert(receipts.map((r) => r.kind).join(",") === "part,part,refund", `the receipts: ${receipts.map((r) => `${r.kind} ${r.amount}`).join(", ")}`);
    assert(receipts[0].amount === part && receipts[1].amount === rest && receipts[2].amount === "5.00" && receipts[0].createdBy === "Alex Accounts", `their amounts and who: ${JSON.stringify(receipts)}`);

    // The row's history lists them, each with its reference.
    await row.getByTestId("payments-receipts").click();
    const lines = page.locator('[data-testid="payment-receipt"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="payment-receipt"]').length === 3);
    assert((await lines.nth(2).getAttribute("data-kind")) === "refund" && (await lines.nth(2).innerText()).includes("E2E-REFUND-1"), `the last line is the refund: ${await lines.nth(2).innerText()}`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-receipts");
    await noErrorBanner();
  });

  await step("subscriptions: a one-off damage fee is charged on a subscription", async () => {
    const sub = (await rpc(base, "subscriptions.list", { status: "active", limit: "20" }, nctx)).items[0];
    assert(sub, "an active subscription in the first unit");

    // The warehouse finds the damage at the desk.
    await become("Sam Warehouse");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/subscriptions/${sub.rentalId}`);
    await tid("screen-title").filter({ hasText: sub.assetSerialNumber }).waitFor();
    await tid("sub-charge").click();
    const dialog = tid("sub-charge-dialog");
    await dialog.waitFor();
    assert(await tid("charge-confirm").isDisabled(), "no charge without a label and an amount");
    await tid("charge-label").fill("Damage fee: cracked screen");
    await tid("charge-amount").fill("75.00");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-charge-dialog");
    await tid("charge-confirm").click();
    await tid("success-banner").filter({ hasText: "Damage fee: cracked screen charged (" }).waitFor();
    await dialog.waitFor({ state: "detached" });
    await tid("subscription-schedule").locator('[data-testid="schedule-row"][data-kind="charge"]').filter({ hasText: "Damage fee: cracked screen" }).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-charged");

    const payments = (await rpc(base, "payments.list", { rentalId: sub.rentalId, limit: "100" }, nctx)).items;
    const fee = payments.find((p) => p.kind === "charge" && p.chargeLabel === "Damage fee: cracked screen");
    assert(fee, `a payment of kind charge with the label: ${JSON.stringify(payments.map((p) => [p.kind, p.chargeLabel]))}`);
    // As the unit states prices: with its tax when they include it, else before it.
    const stated = nl.settings.taxInclusive ? fee.total : fee.subtotal;
    assert(fee.status === "pending" && stated === "75.00", `the charge as charged: ${fee.status}, subtotal ${fee.subtotal}, total ${fee.total}`);

    // The payments list says what it is for.
    await page.goto(`${base}/#/payments?tab=all&customer=${sub.customerId}&from=${fee.dueDate}&to=${fee.dueDate}`);
    await page.locator(`[data-testid="payments-row"][data-payment-id="${fee.paymentId}"]`).filter({ hasText: "Damage fee: cracked screen" }).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("corrections-charge-in-payments");
    await noErrorBanner();
  });
}
