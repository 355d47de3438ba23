// Money and documents: a billing group and its consolidated payment, the month-end invoice run,
// an invoice's preview, PDF, print and credit note, payments invoiced and unfolded, contract,
// export, quote and label documents, and a webhook endpoint's signed deliveries.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { TIMEOUT, TODAY, assert, become, billingDate, cents, dayFromToday, downloaded, noErrorBanner, openedDocument, page, rpc, shot, shots, step, tid, wedge } from "../harness.mjs";

/** Adds to `t`: the Dutch (EUR) unit and its context for RPCs. */
export async function billing(t) {
  const { base, boot, target, intakeVariant, admin, actx, tag, scanGood, scanOrder } = t;
  const nl = boot.businessUnits[0];
  const nctx = { userId: admin.id, buId: nl.id };
  let bizCustomer;
  let members;
  let billingDay;
  await step("billing data: a business customer with two active subscriptions billed on their own whose next payments share a billing period", async () => {
    // A member's payment joins the consolidated payment of the first billing day on or after its
    // own invoice date (docs/rules.md): pick two subscriptions, and a billing day, that put both
    // next payments into the group's first consolidated payment.
    const cs = await rpc(base, "customers.list", { customerType: "business", status: "active", limit: "100" }, nctx);
    search: for (const c of cs.items) {
      const subs = await rpc(base, "subscriptions.list", { customerId: c.customerId, status: "active", limit: "100" }, nctx);
      const next = [];
      for (const r of subs.items.filter((r) => !r.billingGroupId)) {
        const ps = await rpc(base, "payments.list", { rentalId: r.rentalId, status: "pending", sortDir: "asc", limit: "100" }, nctx);
        const p = ps.items.find((p) => ["rent", "prorated"].includes(p.kind) && !p.invoiceNumber && p.invoiceDate >= TODAY);
        if (p) next.push({ r, invoiceDate: p.invoiceDate });
      }
      for (const day of [15, ...Array.from({ length: 28 }, (_, i) => 28 - i)]) {
        const buckets = new Map();
        for (const n of next) {
          const at = billingDate(n.invoiceDate, day);
          buckets.set(at, [...(buckets.get(at) ?? []), n.r]);
        }
        const first = [...buckets.keys()].sort()[0];
        if (first && buckets.get(first).length >= 2) {
          bizCustomer = c;
          members = buckets.get(first).slice(0, 2);
          billingDay = day;
          break search;
        }
      }
    }
    assert(bizCustomer, `no business customer in ${nl.name} has two active subscriptions outside a billing group whose next payments can share a billing period (demo data as of ${TODAY})`);
  });

  await step("billing groups (Alex Accounts): a group from two subscriptions; its monthly total is their sum", async () => {
    await tid("bu-switcher").selectOption(nl.id);
    await tid("nav-billing").click();
    await tid("screen-title").filter({ hasText: "Billing groups" }).waitFor();
    await tid("billing-new").click();
    await tid("billing-customer-search").fill(bizCustomer.company ?? bizCustomer.lastName);
    await tid("billing-customer-result").filter({ hasText: bizCustomer.email }).click();
    for (const r of members) await page.locator(`[data-testid="billing-member"][data-rental="${r.rentalId}"]`).check();
    await tid("billing-name").fill("E2E head office");
    await tid("billing-day").fill(String(billingDay));
    await tid("billing-save").click();
    await tid("screen-title").filter({ hasText: "E2E head office" }).waitFor();
    const want = members.reduce((sum, r) => sum + cents(r.monthlyAmount), 0);
    const shown = (await tid("billing-monthly-total").innerText()).trim();
    assert(shown.replace(/\D/g, "") === String(want), `monthly total reads "${shown}", expected ${want / 100} (${members.map((r) => r.monthlyAmount).join(" + ")})`);
    assert((await tid("billing-active-count").innerText()).trim() === "2", "two active subscriptions in the group");
    await noErrorBanner();
  });

  await step("billing group: its next consolidated payment has one line per subscription", async () => {
    await tid("billing-payment").first().waitFor();
    const lines = tid("billing-payments").getByTestId("payment-line");
    await lines.first().waitFor();
    assert((await lines.count()) === 2, `expected 2 lines, got ${await lines.count()}`);
    for (const r of members) await lines.filter({ hasText: r.assetSerialNumber }).first().waitFor();
    await shot("28-billing-group");
    await tid("nav-billing").click();
    await tid("billing-group-row").filter({ hasText: "E2E head office" }).waitFor();
  });

  let runUpTo;
  await step("invoices: the month-end run (to a day with more than one batch waiting) runs batch by batch until nothing remains", async () => {
    await tid("nav-invoices").click();
    await tid("screen-title").filter({ hasText: "Invoices" }).waitFor();
    // The demo has invoiced everything due up to today: look ahead until more than 100 payments wait.
    for (const days of [30, 60, 90, 150, 240, 365]) {
      runUpTo = dayFromToday(days);
      if ((await rpc(base, "invoices.pending", { upTo: runUpTo }, nctx)).count > 100) break;
    }
    await tid("monthend-date").fill(runUpTo);
    await page.waitForFunction(() => /^[1-9]\d*$/.test(document.querySelector('[data-testid="monthend-pending"]')?.textContent?.trim() ?? ""));
    const pending = Number((await tid("monthend-pending").innerText()).trim());
    assert(pending > 100, `only ${pending} payments wait up to ${runUpTo}: one batch would do`);
    let calls = 0;
    const count = (r) => r.url().endsWith("/rpc/invoices.run") && calls++;
    page.on("request", count);
    await tid("monthend-run").click();
    await page.locator('[data-testid="monthend-progress"][data-remaining="0"]').waitFor({ timeout: 60_000 });
    page.off("request", count);
    assert(calls === Math.ceil(pending / 100), `${calls} runs for ${pending} payments in batches of 100`);
    const text = (await tid("monthend-progress").innerText()).trim();
    assert(text.startsWith(`${pending} / ${pending} invoiced`), `progress reads "${text}", expected ${pending} / ${pending}`);
    await tid("success-banner").filter({ hasText: "nothing is left to invoice" }).waitFor();
    await tid("monthend-pending").filter({ hasText: /^0$/ }).waitFor();
    const left = await rpc(base, "invoices.pending", { upTo: runUpTo }, nctx);
    assert(left.count === 0, `${left.count} payments still to invoice`);
    await tid("invoice-row").first().waitFor();
    await shot("29-month-end-run");
  });

  let invoiceNumber;
  await step("invoices: a row opens the preview, which shows the invoice number and the customer", async () => {
    const row = page.locator('[data-testid="invoice-row"][data-kind="invoice"]').first();
    invoiceNumber = (await row.locator("a.rowlink").innerText()).trim();
    const inv = (await rpc(base, "invoices.list", { number: invoiceNumber }, nctx)).items.find((i) => i.number === invoiceNumber);
    assert(inv, `invoice ${invoiceNumber} is listed by the core`);
    await row.click();
    await tid("screen-title").filter({ hasText: invoiceNumber }).waitFor();
    const body = page.frameLocator('[data-testid="invoice-preview"]').locator("body");
    await body.getByText(invoiceNumber).first().waitFor();
    const text = await body.innerText();
    assert(text.includes(inv.customerName), `preview does not name ${inv.customerName}`);
    await shot("30-invoice-preview");
  });

  await step("invoices: Save PDF downloads the invoice as a PDF (browser)", async () => {
    const file = await downloaded(tid("invoice-save"));
    assert(file.name.endsWith(".pdf"), `downloaded ${file.name}`);
    assert(file.bytes.subarray(0, 4).toString("latin1") === "%PDF", `${file.name} starts with ${JSON.stringify(file.bytes.subarray(0, 8).toString("latin1"))}`);
    await tid("success-banner").filter({ hasText: "downloaded" }).waitFor();
  });

  await step("invoices: Print prints the preview frame", async () => {
    await page.evaluate(() => {
      const w = document.querySelector('[data-testid="invoice-preview"]').contentWindow;
      w.print = () => (window.__invoicePrinted = true);
    });
    await tid("invoice-print").click();
    assert(await page.evaluate(() => window.__invoicePrinted === true), "the preview frame was not printed");
  });

  await step("invoices: a credit note with a reason corrects the invoice, is shown and listed", async () => {
    await tid("invoice-credit").click();
    await tid("invoice-credit-reason").fill("E2E: device returned in the first week");
    await tid("invoice-credit-confirm").click();
    await tid("screen-title").filter({ hasText: "Credit note" }).waitFor();
    await tid("invoice-corrects").filter({ hasText: invoiceNumber }).waitFor();
    const cn = (await tid("screen-title").innerText()).replace("Credit note", "").trim();
    await tid("nav-invoices").click();
    await tid("invoices-kind").selectOption("credit_note");
    await page.locator('[data-testid="invoice-row"][data-kind="credit_note"]').filter({ hasText: cn }).filter({ hasText: invoiceNumber }).waitFor();
    await noErrorBanner();
  });

  await step("payments: an open payment without an invoice is invoiced from its row", async () => {
    await tid("nav-payments").click();
    await tid("payments-tab-all").click();
    const button = tid("payment-invoice-now").first();
    await button.click();
    const banner = tid("success-banner").filter({ hasText: /^Invoice \S+ issued/ });
    await banner.waitFor();
    const number = (await banner.innerText()).match(/^Invoice (\S+) issued/)[1];
    await tid("payments-invoice").filter({ hasText: number }).waitFor();
  });

  await step("payments: a consolidated payment unfolds into its lines", async () => {
    await tid("payments-tab-all").click();
    await tid("payments-customer").fill(bizCustomer.email);
    await tid("payments-customer-result").first().click();
    const toggle = tid("payments-lines-toggle").first();
    await toggle.click();
    await tid("payments-table").getByTestId("payment-line").first().waitFor();
  });

  await step("orders: Contract PDF makes the order's contract, opens it and lists it with the order's files", async () => {
    await tid("bu-switcher").selectOption(target.id);
    await page.goto(`${base}/#/orders/${scanOrder.orderId}`);
    await tid("screen-title").filter({ hasText: scanOrder.orderNumber }).waitFor();
    const doc = await openedDocument(tid("order-contract"));
    assert(doc.head.startsWith("%PDF"), `contract starts with ${JSON.stringify(doc.head)}`);
    await tid("order-file").first().waitFor();
    const again = await openedDocument(tid("order-file-open").first());
    assert(again.head.startsWith("%PDF"), "the listed contract opens as a PDF");
  });

  await step("subscriptions: Export CSV downloads the active subscriptions", async () => {
    await page.goto(`${base}/#/subscriptions?status=active`);
    await tid("subscriptions-row").first().waitFor();
    const file = await downloaded(tid("subscriptions-export"));
    const lines = file.bytes.toString("utf8").trim().split("\n");
    assert(file.name.endsWith(".csv") && lines[0].startsWith("subscriptionId"), `downloaded ${file.name}: ${lines[0]}`);
    assert(lines.length > 1 && lines.slice(1).every((l) => l.includes("active")), "only active subscriptions are exported");
  });

  await step("subscriptions: the buyout dialog's Quote PDF opens the quote", async () => {
    const subs = await rpc(base, "subscriptions.list", { serialNumber: scanGood[2] }, actx);
    await page.goto(`${base}/#/subscriptions/${subs.items[0].rentalId}`);
    await tid("sub-buyout").click();
    await tid("sub-quote-total").waitFor();
    const doc = await openedDocument(tid("quote-pdf"));
    assert(doc.head.startsWith("%PDF"), `quote starts with ${JSON.stringify(doc.head)}`);
    // A refused price is said in the dialog, at its field, once; the page behind shows nothing.
    await tid("sub-buyout-price").fill("-5");
    await tid("sub-action-confirm").click();
    await tid("sub-dialog").locator(".field-error").filter({ hasText: "cannot be negative" }).waitFor();
    assert((await tid("sub-dialog").getByText("cannot be negative").count()) === 1, "the error is said once");
    await noErrorBanner();
    const still = await rpc(base, "subscriptions.list", { serialNumber: scanGood[2] }, actx);
    assert(still.items[0].status === "active", `the subscription is ${still.items[0].status}`);
    await page.keyboard.press("Escape");
    await tid("sub-dialog").waitFor({ state: "detached" });
  });

  await step("intake (Sam Warehouse): right after a scan, Print label opens the serial's label; the stock is remembered", async () => {
    await become("Sam Warehouse");
    await tid("bu-switcher").selectOption(target.id);
    await tid("nav-intake").click();
    await tid("intake-sku").selectOption(intakeVariant.variantSku);
    const labelled = `LBL${tag}`;
    await wedge(labelled);
    await tid("intake-row").filter({ hasText: labelled }).and(page.locator('[data-outcome="added"]')).first().waitFor();
    const last = tid("intake-last");
    await last.getByTestId("label-stock").selectOption("roll102x51");
    const doc = await openedDocument(last.getByTestId("label-print"));
    assert(doc.url.startsWith("blob:") && doc.head.startsWith("%PDF"), `label tab ${doc.url} starts with ${JSON.stringify(doc.head)}`);
    assert((await page.evaluate(() => localStorage.getItem("flexdesk.labelStock"))) === "roll102x51", "the label stock is remembered");
    await shot("31-intake-label");
  });

  await step("assets: two ticked assets print on an A4 sheet of labels", async () => {
    await tid("nav-assets").click();
    await tid("assets-select").nth(0).check();
    await tid("assets-select").nth(1).check();
    await tid("assets-labels").filter({ hasText: "Print 2 labels" }).waitFor();
    const doc = await openedDocument(tid("assets-labels"));
    assert(doc.head.startsWith("%PDF"), `labels start with ${JSON.stringify(doc.head)}`);
    await noErrorBanner();
  });

  await step("settings (Administrator): a webhook endpoint gets a signed test event; the delivery log shows it and sends it again", async () => {
    const got = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        got.push({ headers: req.headers, body });
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
      });
    });
    await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
    const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
    try {
      await become("Administrator");
      await tid("bu-switcher").selectOption(target.id);
      await tid("nav-settings").click();
      await tid("webhook-new-url").fill(hookUrl);
      await tid("webhook-add").click();
      // The receiver runs on this computer: refused until an administrator allows the address.
      await page.getByText("is this computer").first().waitFor();
      assert((await tid("webhook-endpoint").filter({ hasText: hookUrl }).count()) === 0, "nothing saved before the address is allowed");
      await tid("webhook-allow-address").check();
      await tid("webhook-add").click();
      const endpoint = tid("webhook-endpoint").filter({ hasText: hookUrl });
      await endpoint.waitFor();
      await endpoint.getByTestId("webhook-address-allowed").waitFor();
      const secret = (await endpoint.getByTestId("webhook-secret").innerText()).trim();
      assert(secret.startsWith("whsec_"), `secret shown after adding: ${secret}`);
      await endpoint.getByTestId("webhook-test").click();
      const deadline = performance.now() + TIMEOUT;
      while (got.length < 1 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert(got.length === 1, `the receiver got ${got.length} requests`);
      const [{ headers, body }] = got;
      const [t, v1] = headers["flexdesk-signature"].split(",").map((p) => p.split("=")[1]);
      const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
      assert(v1 === expected, "the signature verifies with the endpoint's secret");
      assert(JSON.parse(body).event === "ping" && headers["flexdesk-event"] === "ping", `event ${body}`);
      const row = tid("delivery-row").filter({ hasText: "ping" }).first();
      await row.filter({ hasText: "delivered" }).waitFor();
      await endpoint.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, "32-webhooks-settings.png") });
      await row.click();
      await tid("delivery-dialog").getByTestId("attempts-table").filter({ hasText: "HTTP 200" }).waitFor();
      assert((await tid("delivery-payload").innerText()).includes('"event": "ping"'), "the dialog shows the payload");
      await shot("33-webhook-delivery");
      await tid("delivery-redeliver").click();
      const again = performance.now() + TIMEOUT;
      while (got.length < 2 && performance.now() < again) await new Promise((r) => setTimeout(r, 100));
      assert(got.length === 2, "Send again delivers once more");
      assert(got[1].headers["flexdesk-event-id"] === got[0].headers["flexdesk-event-id"], "with the same event id");
      await page.keyboard.press("Escape");
      await endpoint.getByTestId("webhook-remove").click();
      await endpoint.waitFor({ state: "detached" });
      await noErrorBanner();
    } finally {
      receiver.close();
    }
  });

  Object.assign(t, { nl, nctx });
}
