// People sign in with their own PIN, and the desk answers only them: a wrong PIN at its field,
// five in a row pause the person, an idle desk locks over the kept work and only the PIN opens it,
// a person changes their own PIN, and an administrator adds, resets and deactivates people.
import { assert, become, noErrorBanner, page, shot, signInAs, step, tid, uniq } from "../harness.mjs";

/** On the start screen: pick `name` and type `pin` (a person the demo shows no PIN for). */
async function pinSignIn(name, pin) {
  await tid("user-option").filter({ hasText: new RegExp(`^${name}$`) }).click();
  await tid("pin-input").fill(pin);
  await tid("pin-input").press("Enter");
}

export async function signin() {
  const pat = `Pat ${uniq().slice(-4)}`;

  await step("Settings → People: an administrator adds a person with a PIN; the table says how they sign in", async () => {
    await become("Administrator");
    await tid("nav-settings").click();
    await tid("people-table").waitFor();
    await tid("user-name").fill(pat);
    await tid("user-role").selectOption("counter");
    await tid("user-secret").fill("12");
    await tid("user-create").click();
    await page.getByText("Use a PIN of 4 to 8 digits").first().waitFor();
    await tid("user-secret").fill("5678");
    await tid("user-create").click();
    await tid("success-banner").filter({ hasText: `${pat} can now sign in with their PIN` }).waitFor();
    // The desk locks after 5 idle minutes from now on (15 by default).
    await tid("lock-minutes").fill("5");
    await tid("lock-minutes-save").click();
    await tid("success-banner").filter({ hasText: "locks after 5 idle minutes" }).waitFor();
    const row = page.locator(`[data-testid="person-row"][data-name="${pat}"]`);
    await row.getByTestId("person-signin").filter({ hasText: /^PIN$/ }).waitFor();
    await shot("40-people");
  });

  await step("a wrong PIN is refused at its field, with the tries left; the right one signs in", async () => {
    await tid("switch-user").click();
    await tid("user-picker").waitFor();
    await pinSignIn(pat, "1234");
    const err = await tid("pin-input-error").innerText();
    assert(/not right\. 4 more tries/.test(err), `the field says "${err}"`);
    assert((await tid("pin-input").inputValue()) === "", "the wrong PIN is cleared");
    await tid("pin-input").fill("5678");
    await tid("pin-input").press("Enter");
    await tid("bu-switcher").waitFor();
    assert((await tid("current-user").innerText()).trim() === pat, "signed in as the new person");
    await noErrorBanner();
  });

  await step("the person changes their own PIN from their name in the top bar (the current one first)", async () => {
    await tid("current-user").click();
    await tid("my-pin-dialog").waitFor();
    await tid("my-pin-current").fill("0000");
    await tid("my-pin-new").fill("8765");
    await tid("my-pin-again").fill("8765");
    await tid("my-pin-save").click();
    await tid("my-pin-dialog").getByText("not right").waitFor();
    await tid("my-pin-current").fill("5678");
    await tid("my-pin-save").click();
    await tid("success-banner").filter({ hasText: "Your PIN is changed" }).waitFor();
    await tid("my-pin-dialog").waitFor({ state: "detached" });
  });

  await step("the desk locks after its idle minutes (set to 5); the work stays under the lock and the PIN opens it", async () => {
    // The page's own clock, so 15 idle minutes pass in a moment (set before the page starts).
    await page.clock.install();
    await page.reload();
    await tid("bu-switcher").waitFor();
    await tid("nav-counter").click();
    await tid("counter-customer-search").fill("half-typed search");
    await page.clock.fastForward("05:30");
    await tid("lock-screen").waitFor();
    assert((await tid("lock-person").innerText()).trim() === pat, "the lock screen names who was working");
    // The desk's side is locked too: a call now is refused.
    const refused = await page.evaluate(async () => (await fetch("/rpc/orders.list", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).json());
    assert(refused.error?.code === "SESSION_LOCKED", `a call while locked: ${JSON.stringify(refused)}`);
    await shot("41-locked");
    await tid("unlock-input").fill("5678");
    await tid("unlock-input").press("Enter");
    await tid("unlock-input-error").filter({ hasText: "not right" }).waitFor();
    await tid("unlock-input").fill("8765");
    await tid("unlock-input").press("Enter");
    await tid("lock-screen").waitFor({ state: "detached" });
    const kept = await tid("counter-customer-search").inputValue();
    assert(kept === "half-typed search", `the search field holds "${kept}" after unlocking`);
  });

  await step("Lock in the top bar locks at once", async () => {
    await tid("lock-desk").click();
    await tid("lock-screen").waitFor();
    await tid("unlock-input").fill("8765");
    await tid("unlock-submit").click();
    await tid("lock-screen").waitFor({ state: "detached" });
  });

  await step("five wrong PINs in a row pause the person; the administrator sees it in People", async () => {
    await tid("switch-user").click();
    await tid("user-picker").waitFor();
    await tid("user-option").filter({ hasText: new RegExp(`^${pat}$`) }).click();
    for (let i = 0; i < 5; i++) {
      await tid("pin-input").fill("0000");
      await tid("pin-input").press("Enter");
      await tid("pin-input-error").waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="pin-input"]')?.value === "");
    }
    const err = await tid("pin-input-error").innerText();
    assert(/paused after 5 wrong PINs in a row\. Try again in 1 minute/.test(err), `the field says "${err}"`);
    await tid("pin-input").fill("8765");
    await tid("pin-input").press("Enter");
    await tid("pin-input-error").filter({ hasText: "paused" }).waitFor();
    await tid("pin-back").click();
    await signInAs("Administrator");
    await tid("nav-settings").click();
    const row = page.locator(`[data-testid="person-row"][data-name="${pat}"]`);
    await row.getByTestId("person-signin").filter({ hasText: "paused until" }).waitFor();
  });

  await step("deactivating a person takes them off the start screen", async () => {
    const row = page.locator(`[data-testid="person-row"][data-name="${pat}"]`);
    await row.getByTestId("person-active").click();
    await tid("success-banner").filter({ hasText: "deactivated" }).waitFor();
    await tid("switch-user").click();
    await tid("user-picker").waitFor();
    assert((await tid("user-option").filter({ hasText: pat }).count()) === 0, `${pat} is still offered`);
    await signInAs("Administrator");
  });
}
