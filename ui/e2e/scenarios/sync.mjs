// Sync with another desk (a second `flexdesk serve` as the hub): connecting, conflicts and their
// resolution, going offline, a hub that gives its own ids, FlexPortal as the remote; then the
// unit's locale for amounts and dates.
import { join } from "node:path";
import { assert, connectTo, disconnect, newHub, noErrorBanner, page, rpc, shot, shots, step, stop, tid } from "../harness.mjs";

export async function sync(t) {
  const { base, boot, target, nl, nctx, tag } = t;
  await step("sync (Administrator): Settings → Sync connects the unit to a hub, Sync now shows Online; a refused change lands in the conflict inbox and is resolved; with the hub gone a new customer waits and the indicator shows Offline", async () => {
    const hub = await newHub("hub", "Hub");
    const [hubBu, hubKey] = [hub.bu, hub.key];
    const hubV1 = async (method, path, body) => {
      const res = await fetch(`${hub.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${hubKey}`, "Tenant-ID": hubBu, "Content-Type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    };
    const indicator = (state) => page.locator(`[data-testid="sync-indicator"][data-state="${state}"]`);
    try {
      await tid("bu-switcher").selectOption(nl.id);
      await tid("nav-dashboard").click();
      // Not set up: a quiet "Sync off"; for an administrator it leads to the Sync card.
      await indicator("off").filter({ hasText: "Sync off" }).waitFor();
      assert((await tid("nav-sync").count()) === 0, "no Sync conflicts entry while the unit does not sync");
      await tid("sync-state").click();
      await tid("sync-card").waitFor();
      assert(/^[A-Z0-9]{2,}$/.test((await tid("sync-desk-code").innerText()).trim()), "the desk's code is shown");
      // The core's sentences show under the fields.
      await tid("sync-save").click();
      await tid("sync-card").locator(".field-error").first().waitFor();
      const errors = await tid("sync-card").locator(".field-error").allInnerTexts();
      assert(errors.length === 3 && errors.some((e) => /API key is required/.test(e)), `field errors: ${errors.join(" | ")}`);
      // A hub over https with a certificate of its own: the field for it appears, and what is not a certificate is refused.
      assert((await tid("sync-ca-cert").count()) === 0, "no certificate field for an address without https");
      await tid("sync-url").fill("https://192.168.1.20:8787");
      await tid("sync-ca-cert").fill("not a certificate");
      await tid("sync-save").click();
      await tid("sync-card").locator(".field-error").filter({ hasText: "certificate as PEM" }).waitFor();
      await tid("sync-url").fill(hub.url);
      await tid("sync-tenant").fill(hubBu);
      await tid("sync-key").fill(hubKey);
      await tid("sync-pull-every").fill("3600");
      await tid("sync-save").click();
      // The hub runs on this computer: saved only once an administrator allows the address.
      await tid("sync-card").locator(".field-error").filter({ hasText: "is this computer" }).waitFor();
      await tid("sync-allow-address").check();
      await tid("sync-save").click();
      await tid("success-banner").filter({ hasText: `now syncs with ${hub.url}` }).waitFor();
      assert(await tid("sync-allow-address").isChecked(), "the allowed address shows as allowed");
      await page.waitForFunction((hint) => document.querySelector('[data-testid="sync-key"]')?.getAttribute("placeholder")?.startsWith(`…${hint} (sealed`), hubKey.slice(-4));
      assert((await tid("sync-key").inputValue()) === "", "the key field is empty after saving");
      await tid("sync-now").click();
      await indicator("online").waitFor();
      await tid("success-banner").filter({ hasText: "Synced" }).waitFor();
      assert((await tid("sync-state").innerText()).trim() === "Online", "the indicator says Online");
      await tid("sync-waiting").filter({ hasText: /^0 waiting$/ }).waitFor();
      await tid("sync-last").filter({ hasText: /^last sync (just now|\d+ s ago)$/ }).waitFor();
      await tid("nav-sync").waitFor();
      await tid("sync-card-state").filter({ hasText: "Online" }).waitFor();
      // What the unit held before it synced (the demo business) goes to the hub once, on request.
      assert((await hubV1("GET", "/v1/customers?limit=1")).body.customers.length === 0, "the hub starts empty");
      await tid("sync-send-existing-ask").click();
      await tid("sync-send-existing-confirm").click();
      const sentBanner = tid("success-banner").filter({ hasText: /Sent \d+ record\(s\): \d+ new on the remote, 0 it had already, 0 refused\./ });
      await sentBanner.waitFor({ timeout: 120_000 });
      const [, sentCount, newCount] = (await sentBanner.innerText()).match(/Sent (\d+) record\(s\): (\d+) new/);
      assert(Number(sentCount) > 100 && sentCount === newCount, `sent ${sentCount}, new ${newCount}`);
      const deskCustomer = (await rpc(base, "customers.list", { limit: "1" }, nctx)).items[0];
      const onHub = await hubV1("GET", `/v1/customers/${deskCustomer.customerId}`);
      assert(onHub.status === 200 && onHub.body.email === deskCustomer.email, `the hub has ${deskCustomer.email} under the desk's id`);
      await tid("sync-card").scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, "34-sync-settings.png") });
      await page.locator(".topbar").screenshot({ path: join(shots, "35-sync-indicator.png") });
      // A pull that is not this screen's own (the background loop; here a sync run over RPC)
      // still refreshes what the desk shows: a customer made on the hub appears in the open list.
      await tid("nav-customers").click();
      await tid("customers-table").waitFor();
      const hubEmail = `from.hub.${tag.toLowerCase()}@example.org`;
      const made = await hubV1("POST", "/v1/customers", { email: hubEmail, firstName: "Hub", lastName: "Made" });
      assert(made.status === 201, `hub customer: ${made.status} ${JSON.stringify(made.body)}`);
      const pulled = await rpc(base, "sync.now", {}, nctx);
      assert(pulled.pull.adopted >= 1, `the pull wrote ${pulled.pull.adopted}`);
      await tid("customers-table").filter({ hasText: hubEmail }).waitFor({ timeout: 15_000 });

      // The hub sells a laptop the desk reads; both take in the same serial, the desk's later: the hub refuses it.
      const sku = `SYNC-${tag}`;
      const product = await hubV1("POST", "/v1/products", {
        productSku: `SYNCP-${tag}`,
        name: "Sync laptop",
        category: "Laptops",
        brand: "Acme",
        specification: "16 GB",
        variants: [{ variantSku: sku, variantName: "16 GB", grade: "A", listPrice: 1200, acquisitionCost: 900, pricing: { 12: 49, 24: 39 } }],
      });
      assert(product.status >= 200 && product.status < 300, `hub product: ${product.status} ${JSON.stringify(product.body)}`);
      await tid("sync-now").click();
      await tid("success-banner").filter({ hasText: "from the remote" }).waitFor();
      const sn = `SYNC${tag}`;
      const hubAsset = await hubV1("POST", "/v1/assets", { serialNumber: sn, sku, location: "Hub shelf" });
      assert(hubAsset.status >= 200 && hubAsset.status < 300, `hub asset: ${hubAsset.status} ${JSON.stringify(hubAsset.body)}`);
      await rpc(base, "assets.create", { serialNumber: sn, sku, location: "Desk bench" }, nctx);
      await tid("sync-now").click();
      await tid("sync-conflicts").filter({ hasText: /^1 conflict$/ }).click();
      await tid("screen-title").filter({ hasText: "Sync conflicts" }).waitFor();
      const card = page.locator('[data-testid="conflict"][data-code="ASSET_EXISTS"]');
      await card.waitFor();
      assert((await tid("conflict-message").innerText()).includes(sn), "the hub's sentence names the serial");
      assert((await tid("conflict-ours").innerText()).includes(`${sn} taken in`), "this desk's change is named");
      await tid("conflict-theirs").filter({ hasText: `Asset ${sn}` }).filter({ hasText: "available" }).waitFor();
      await tid("conflict-held").filter({ hasText: "No later changes" }).waitFor();
      assert((await tid("conflict-serial").count()) === 0, "another serial is offered for activations only");
      await shot("36-sync-conflicts");
      // Send again: refused again, a new conflict opens.
      const first = await rpc(base, "sync.conflicts", {}, nctx);
      await tid("conflict-retry").click();
      await tid("success-banner").filter({ hasText: "Sent again" }).waitFor();
      await tid("conflict-resolved-row").filter({ hasText: "sent again" }).waitFor();
      await page.waitForFunction(
        async ([b, ctx, old]) => {
          const res = await fetch(`${b}/rpc/sync.conflicts`, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-FlexDesk-BU": ctx.buId }, body: "{}" });
          return (await res.json()).some((c) => c.status === "open" && !old.includes(c.id));
        },
        [base, nctx, first.map((c) => c.id)],
        { polling: 300 },
      );
      await tid("conflicts-sync-now").click();
      // The run's answer replaces the banner above the card, which moves the card: click after it.
      await page.locator('[data-testid="success-banner"], [data-testid="error-banner"]').filter({ hasNotText: "Sent again" }).waitFor();
      await card.waitFor();
      // Keep theirs, after the confirm step: the desk takes the hub's copy of the asset.
      await tid("conflict-keep-theirs").click();
      await tid("conflict-keep-theirs-ask").filter({ hasText: "will be dropped" }).waitFor();
      await tid("conflict-keep-theirs-confirm").click();
      await tid("success-banner").filter({ hasText: "Kept the remote's version" }).waitFor();
      await card.waitFor({ state: "detached" });
      await tid("conflict-resolved-row").filter({ hasText: "kept the remote's version" }).waitFor();
      const asset = await rpc(base, "assets.get", { serialNumber: sn }, nctx);
      assert(asset.location === "Hub shelf", `the desk's ${sn} is at ${asset.location}`);
      // The indicator's conflict link goes once the status is read again.
      await tid("sync-conflicts").waitFor({ state: "detached" });
      await shot("37-sync-conflict-resolved");

      // The hub goes away: a new customer waits, Sync now says Offline.
      await stop(hub.child);
      await rpc(base, "customers.create", { email: `offline.${tag.toLowerCase()}@example.org`, firstName: "Off", lastName: "Line" }, nctx);
      await tid("sync-now").click();
      await indicator("offline").waitFor();
      await tid("error-banner").filter({ hasText: "Offline" }).waitFor();
      assert((await tid("sync-state").innerText()).trim() === "Offline", "the indicator says Offline");
      await tid("sync-waiting").filter({ hasText: /^[1-9]\d* waiting$/ }).waitFor();
      await shot("38-sync-offline");

      // Remove (with its confirm step): the unit stops syncing; what waits stays on the desk.
      await tid("nav-settings").click();
      await tid("sync-remove").click();
      await tid("sync-remove-confirm").click();
      await tid("success-banner").filter({ hasText: "Sync is off" }).waitFor();
      await indicator("off").filter({ hasText: /Sync off.*1 waiting/ }).waitFor();
    } finally {
      await stop(hub.child);
    }
  });

  await step("sync (Administrator): against a hub that gives its own ids, the customer that waited arrives under the hub's id and Settings → Sync says so", async () => {
    const hub = await newHub("own-ids-hub", "Cloud-like hub", ["--own-ids"]);
    const [hubBu, hubKey] = [hub.bu, hub.key];
    try {
      await tid("sync-card").waitFor();
      await connectTo(hub);
      await tid("sync-now").click();
      await tid("sync-waiting").filter({ hasText: /^0 waiting$/ }).waitFor();
      const note = tid("sync-remote-ids");
      await note.filter({ hasText: "The remote gave its own ids to 1 record made here" }).waitFor();
      // The desk keeps its id; the hub has the customer once, under its own.
      const email = `offline.${tag.toLowerCase()}@example.org`;
      const mine = (await rpc(base, "customers.list", { email, limit: "5" }, nctx)).items.find((c) => c.email === email);
      assert(mine, `the desk still lists ${email}`);
      const res = await fetch(`${hub.url}/v1/customers?limit=100`, { headers: { Authorization: `Bearer ${hubKey}`, "Tenant-ID": hubBu } });
      const theirs = (await res.json()).customers.filter((c) => c.email === email);
      assert(theirs.length === 1 && theirs[0].customerId !== mine.customerId, `the hub has ${email} once, under its own id: ${JSON.stringify(theirs.map((c) => c.customerId))}`);
      await tid("sync-card").scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, "39-sync-own-ids.png") });
      await disconnect();
    } finally {
      await stop(hub.child);
    }
  });

  await step("sync (Administrator): with the remote set to FlexPortal, an order confirmation is kept on this desk and Settings → Sync lists it; the full read's line is shown", async () => {
    // A hub that gives its own ids stands in for FlexPortal's cloud (it answers FlexPortal's /v1).
    const hub = await newHub("flexportal-like-hub", "FlexPortal-like hub", ["--own-ids"]);
    try {
      // A pending order placed while the unit does not sync (so it is not sent): its confirmation is made once FlexPortal is the remote.
      const customers = await rpc(base, "customers.list", { status: "active", limit: "20" }, nctx);
      const buyer = customers.items.find((c) => c.lastBillingAddress) ?? customers.items[0];
      const variants = await rpc(base, "catalog.listVariants", { status: "active", limit: "50" }, nctx);
      const variant = variants.items.find((v) => v.pricing.length > 0);
      assert(buyer && variant, "an active customer and a priced variant in the EUR unit");
      const placed = await rpc(
        base,
        "orders.create",
        { customerId: buyer.customerId, items: [{ sku: variant.variantSku, quantity: 1, contractLength: variant.pricing[0].contractLength }], extensionDetails: {}, upgradeDetails: {}, customFields: null },
        nctx,
      );
      const order = placed.order ?? placed;
      assert(order.status === "pending", `the new order is ${order.status}`);

      await tid("sync-card").waitFor();
      await tid("sync-kind").selectOption("flexportal");
      await tid("sync-card").getByText("FlexPortal's cloud: the desk sends only its published operations").waitFor();
      await connectTo(hub);
      assert((await tid("sync-kind").inputValue()) === "flexportal", "the saved remote is FlexPortal");

      await rpc(base, "orders.confirm", { id: order.orderId }, nctx);
      await tid("sync-now").click();
      await tid("success-banner").filter({ hasText: "Synced" }).waitFor();
      await tid("sync-waiting").filter({ hasText: /^0 waiting$/ }).waitFor();
      // "1 order confirmation", "2 order confirmations".
      await tid("sync-kept").filter({ hasText: /\border confirmations?\b/ }).waitFor();
      await tid("sync-kept-order.confirm").filter({ hasText: /^1 order confirmation$/ }).waitFor();
      const line = tid("sync-full-read");
      await line.waitFor();
      const said = (await line.innerText()).trim();
      assert(/^FlexPortal has no change feed: .+ Every list was last read whole (just now|\d+ s ago)\.$/.test(said), `the full read's line: ${said}`);
      assert((await rpc(base, "orders.get", { id: order.orderId }, nctx)).status === "confirmed", "the order is confirmed on this desk");
      await noErrorBanner();
      // A full-page shot from the top: the fixed top bar and banner stay there, off the card.
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot("40-sync-flexportal");

      // As the step before left it: the unit does not sync.
      await disconnect();
    } finally {
      await stop(hub.child);
    }
  });

  await step("locale: the Dutch unit writes amounts and dates as the Netherlands does; a unit may choose another", async () => {
    const nl = boot.businessUnits.find((b) => b.country === "NL");
    assert(nl, "the demo has a Dutch unit");
    await tid("bu-switcher").selectOption(nl.id);
    await tid("nav-dashboard").click();
    const collected = tid("dash-collected");
    await collected.waitFor();
    // nl-NL: "€ 8.652,27" (a decimal comma, dots between thousands).
    const dutch = (await collected.innerText()).replace(/\s+/g, " ");
    assert(/€\s?\d{1,3}(\.\d{3})*,\d{2}/.test(dutch), `the Dutch unit shows ${dutch}`);
    // The unit's setting wins over its country.
    const admin = boot.people.find((u) => u.name === "Administrator");
    const nctx = { userId: admin.id, buId: nl.id };
    const saved = await rpc(base, "bu.update", { id: nl.id, settings: { ...nl.settings, locale: "en-IE" } }, nctx);
    assert(saved.settings.locale === "en-IE", "the locale is stored");
    await page.reload();
    await tid("dash-collected").waitFor();
    await page.waitForFunction(() => /€\d{1,3}(,\d{3})*\.\d{2}/.test(document.querySelector('[data-testid="dash-collected"]')?.textContent ?? ""));
    await rpc(base, "bu.update", { id: nl.id, settings: { ...nl.settings, locale: "" } }, nctx);
    const refused = await rpc(base, "bu.update", { id: nl.id, settings: { ...nl.settings, locale: "dutch" } }, nctx).then(
      () => "taken",
      (e) => e.message,
    );
    assert(refused.includes("VALIDATION_ERROR") && refused.includes("locale"), refused);
    await tid("bu-switcher").selectOption(target.id);
  });
}
