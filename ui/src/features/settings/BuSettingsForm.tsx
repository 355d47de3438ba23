import { Fragment, useState } from "react";
import type { BillingStart } from "../../lib/api/bindings/BillingStart";
import type { BuSettings } from "../../lib/api/bindings/BuSettings";
import type { BuyoutMethod } from "../../lib/api/bindings/BuyoutMethod";
import type { ContractEnd } from "../../lib/api/bindings/ContractEnd";
import type { DunningLevel } from "../../lib/api/bindings/DunningLevel";
import type { EarlyReturnFee } from "../../lib/api/bindings/EarlyReturnFee";
import type { FirstPayment } from "../../lib/api/bindings/FirstPayment";
import type { LateFeeKind } from "../../lib/api/bindings/LateFeeKind";
import { CONTRACT_LENGTH } from "../../lib/api/bindings/Vocabulary";
import type { BusinessUnit } from "../../lib/api/bindings/BusinessUnit";
import { localeOf } from "../../lib/format";
import { useAction } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Card, Check, Field, Input, Select } from "../../lib/ui";

// A label for every value of the core's settings vocabularies: tsc fails when one is missing.
const BILLING_START: Record<BillingStart, string> = {
  immediate: "Immediately",
  same_day_next_month: "Same day next month",
  first_of_next_month: "First of next month",
};

const FIRST_PAYMENT: Record<FirstPayment, string> = {
  full_month: "Full month",
  prorated: "Prorated",
};

const BUYOUT: Record<BuyoutMethod, string> = {
  remaining_plus_list_price_pct: "Remaining months + % of list price",
  remaining_months: "Remaining months",
  list_price_pct: "% of list price",
  flat_fee: "Flat fee",
};

const EARLY_RETURN: Record<EarlyReturnFee, string> = {
  remaining_months: "Remaining months (× %)",
  flat_fee: "Flat fee",
  no_fee: "No fee",
};

const CONTRACT_END: Record<ContractEnd, string> = {
  auto_renew_monthly: "Renew month by month",
  auto_renew_same_term: "Renew for the same term",
  require_action: "Ask the customer",
  auto_terminate: "End automatically",
};

const LATE_FEE: Record<LateFeeKind, string> = {
  none: "None",
  flat: "Flat amount",
  percentage: "Percentage",
};

/** The most reminder steps a unit has (the core refuses more). */
const MAX_STEPS = 5;

/** A new step after the last: two weeks later, no fee. */
function nextStep(levels: DunningLevel[]): DunningLevel {
  const last = levels[levels.length - 1];
  return { days: Math.min(365, (last?.days ?? 0) + (last ? 14 : 3)), name: "", fee: "0.00" };
}

function Options(props: { list: Record<string, string> }) {
  return (
    <>
      {Object.entries(props.list).map(([v, label]) => (
        <option key={v} value={v}>
          {label}
        </option>
      ))}
    </>
  );
}

export function BuSettingsForm(props: { bu: BusinessUnit }) {
  const s = useSession();
  const bu = props.bu;
  const [name, setName] = useState(bu.name);
  const [timezone, setTimezone] = useState(bu.timezone);
  const [st, setSt] = useState<BuSettings>(bu.settings);
  // The locale the unit follows when its setting is empty (the core's, while nothing is set).
  const countryLocale = bu.settings.locale ? undefined : localeOf(bu);
  const [lengths, setLengths] = useState(bu.settings.contractLengths.join(", "));
  const may = s.can("bu.update");
  const save = useAction("bu.update", {
    success: (r) => `Settings of ${r.name} saved.`,
    onSuccess: (r) => void s.refreshBusinessUnits(r.id),
  });
  const set = <K extends keyof BuSettings>(k: K, v: BuSettings[K]) => setSt((x) => ({ ...x, [k]: v }));
  // The steps as last sent: a step's problems are said while it still reads so.
  const [sentSteps, setSentSteps] = useState<DunningLevel[]>([]);
  const setStep = (i: number, v: Partial<DunningLevel>) => setSt((x) => ({ ...x, dunning: x.dunning.map((l, j) => (j === i ? { ...l, ...v } : l)) }));
  const setSeller = (k: keyof BuSettings["seller"], v: string) => setSt((x) => ({ ...x, seller: { ...x.seller, [k]: v } }));
  const err = (p: string) => save.error?.field(`settings.${p}`) ?? save.error?.field(p);
  const parsedLengths = lengths
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
  const lengthsOk = parsedLengths.length > 0 && parsedLengths.every((n) => Number.isInteger(n));
  const int = (v: string) => (v.trim() === "" ? 0 : Math.max(0, Math.floor(Number(v)) || 0));

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setSentSteps(st.dunning);
        save.mutate({ id: bu.id, name, timezone, settings: { ...st, contractLengths: [...new Set(parsedLengths)].sort((a, b) => a - b) } });
      }}
    >
      <fieldset className="plain" disabled={!may}>
        <Card title={`Business unit: ${bu.name}`} actions={<span className="muted mono">{bu.code} · {bu.currency} · {bu.country || "no country"}</span>}>
          <div className="form-grid">
            <Field label="Name" error={err("name")}>
              <Input value={name} onChange={(e) => setName(e.target.value)} testId="bu-name" />
            </Field>
            <Field label="Time zone" hint="e.g. Europe/Amsterdam">
              <Input value={timezone} onChange={(e) => setTimezone(e.target.value)} />
            </Field>
            <Field label="Currency" hint="Fixed when the unit was created.">
              <Input value={bu.currency} readOnly />
            </Field>
            <Field label="Amounts and dates written as" hint={`A locale, like nl-NL or en-US; empty follows the country${countryLocale ? ` (${countryLocale})` : ""}.`} error={err("locale")}>
              <Input value={st.locale} onChange={(e) => set("locale", e.target.value.trim())} placeholder={countryLocale} testId="bu-locale" />
            </Field>
          </div>
        </Card>
        <div className="grid-2">
          <Card title="Billing and tax">
            <div className="form-grid">
              <Field label="Billing starts">
                <Select value={st.billingStart} onChange={(e) => set("billingStart", e.target.value as BuSettings["billingStart"])}>
                  <Options list={BILLING_START} />
                </Select>
              </Field>
              <Field label="First payment">
                <Select value={st.firstPayment} onChange={(e) => set("firstPayment", e.target.value as BuSettings["firstPayment"])}>
                  <Options list={FIRST_PAYMENT} />
                </Select>
              </Field>
              <Field label="Payment terms (days)" error={err("paymentTermsDays")}>
                <Input type="number" min={0} max={365} value={st.paymentTermsDays} onChange={(e) => set("paymentTermsDays", int(e.target.value))} />
              </Field>
              <Field label="Tax rate (%)" error={err("taxRate")}>
                <Input inputMode="decimal" value={st.taxRate} onChange={(e) => set("taxRate", e.target.value)} testId="bu-tax-rate" />
              </Field>
              {(Number(st.taxRate) === 0 || st.taxExemption.trim() !== "") && (
                <Field
                  label="Exempt from tax because"
                  wide
                  hint="Only for a unit exempt from VAT: the law it is exempt under, printed on its invoices and sent in e-invoices as the exemption reason. Empty: zero-rated."
                  error={err("taxExemption")}
                >
                  <Input value={st.taxExemption} onChange={(e) => set("taxExemption", e.target.value)} maxLength={300} placeholder="e.g. Exempt from VAT under Article 132(1)(c) of Directive 2006/112/EC" testId="bu-tax-exemption" />
                </Field>
              )}
            </div>
            <Check label="Prices include tax" checked={st.taxInclusive} onChange={(v) => set("taxInclusive", v)} />
            <Check label="Orders must be confirmed before devices are handed out" checked={st.requireConfirmedOrders} onChange={(v) => set("requireConfirmedOrders", v)} />
          </Card>
          <Card title="Contracts">
            <div className="form-grid">
              <Field label="Contract lengths (months)" hint={`Comma-separated, ${CONTRACT_LENGTH.min}–${CONTRACT_LENGTH.max}`} error={err("contractLengths") ?? (lengthsOk ? undefined : "Whole numbers of months, separated by commas.")}>
                <Input value={lengths} onChange={(e) => setLengths(e.target.value)} testId="bu-contract-lengths" />
              </Field>
              <Field label="Default length" error={err("defaultContractLength")}>
                <Select value={st.defaultContractLength} onChange={(e) => set("defaultContractLength", Number(e.target.value))}>
                  {[...new Set([...(lengthsOk ? parsedLengths : []), st.defaultContractLength])].map((l) => (
                    <option key={l} value={l}>
                      {l} months
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="At the end of the contract">
                <Select value={st.contractEnd} onChange={(e) => set("contractEnd", e.target.value as BuSettings["contractEnd"])}>
                  <Options list={CONTRACT_END} />
                </Select>
              </Field>
            </div>
          </Card>
          <Card title="Buyout">
            <div className="form-grid">
              <Field label="Method">
                <Select value={st.buyoutMethod} onChange={(e) => set("buyoutMethod", e.target.value as BuSettings["buyoutMethod"])}>
                  <Options list={BUYOUT} />
                </Select>
              </Field>
              <Field label="% of list price" error={err("buyoutListPricePct")}>
                <Input inputMode="decimal" value={st.buyoutListPricePct} onChange={(e) => set("buyoutListPricePct", e.target.value)} />
              </Field>
              <Field label={`Flat fee (${bu.currency})`} error={err("buyoutFlatFee")}>
                <Input inputMode="decimal" value={st.buyoutFlatFee} onChange={(e) => set("buyoutFlatFee", e.target.value)} />
              </Field>
            </div>
          </Card>
          <Card title="Early return and late payment">
            <div className="form-grid">
              <Field label="Early return fee">
                <Select value={st.earlyReturnFee} onChange={(e) => set("earlyReturnFee", e.target.value as BuSettings["earlyReturnFee"])}>
                  <Options list={EARLY_RETURN} />
                </Select>
              </Field>
              <Field label="% of remaining months" error={err("earlyReturnPct")}>
                <Input inputMode="decimal" value={st.earlyReturnPct} onChange={(e) => set("earlyReturnPct", e.target.value)} />
              </Field>
              <Field label={`Flat fee (${bu.currency})`} error={err("earlyReturnFlatFee")}>
                <Input inputMode="decimal" value={st.earlyReturnFlatFee} onChange={(e) => set("earlyReturnFlatFee", e.target.value)} />
              </Field>
              <Field label="Grace period (days)" error={err("gracePeriodDays")}>
                <Input type="number" min={0} value={st.gracePeriodDays} onChange={(e) => set("gracePeriodDays", int(e.target.value))} />
              </Field>
              <div className="field">
                <span className="field-label">Return within the grace period</span>
                <Check
                  label="Undoes the first month too (cancelled, or credited if invoiced)"
                  checked={st.graceReturnUndoesFirstMonth}
                  onChange={(v) => set("graceReturnUndoesFirstMonth", v)}
                  testId="settings-grace-undo"
                />
              </div>
              <Field label="Late fee">
                <Select value={st.lateFeeKind} onChange={(e) => set("lateFeeKind", e.target.value as BuSettings["lateFeeKind"])}>
                  <Options list={LATE_FEE} />
                </Select>
              </Field>
              {st.lateFeeKind === "flat" && (
                <Field label={`Late fee (${bu.currency})`} error={err("lateFeeAmount")}>
                  <Input inputMode="decimal" value={st.lateFeeAmount} onChange={(e) => set("lateFeeAmount", e.target.value)} />
                </Field>
              )}
              {st.lateFeeKind === "percentage" && (
                <Field label="Late fee (%)" error={err("lateFeePct")}>
                  <Input inputMode="decimal" value={st.lateFeePct} onChange={(e) => set("lateFeePct", e.target.value)} />
                </Field>
              )}
              {st.lateFeeKind !== "none" && (
                <Field label="Late fee after (days)">
                  <Input type="number" min={0} value={st.lateFeeGraceDays} onChange={(e) => set("lateFeeGraceDays", int(e.target.value))} />
                </Field>
              )}
            </div>
          </Card>
          <Card title="Reminders">
            <p className="small muted">
              The letters for overdue payments, in order: each step comes so many days after the due date, its name is printed on the letter, and its fee (0: none) is charged with it as a payment of its own.
            </p>
            {st.dunning.length === 0 ? (
              <p className="small muted" data-testid="bu-dunning-none">
                No steps: no reminder letters are proposed.
              </p>
            ) : (
              <div className="table-wrap">
                <table className="table compact middle" data-testid="bu-dunning">
                  <thead>
                    <tr>
                      <th title="Days after the due date">Days</th>
                      <th>Name on the letter</th>
                      <th>Fee ({bu.currency})</th>
                      <th>
                        <span className="sr-only">Remove</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {st.dunning.map((l, i) => {
                      const asSent = JSON.stringify(sentSteps[i]) === JSON.stringify(l);
                      const problems = asSent ? (["days", "name", "fee"] as const).map((f) => [f, err(`dunning.${i}.${f}`)] as const).filter(([, m]) => m) : [];
                      const bad = (f: string) => problems.some(([g]) => g === f);
                      return (
                        <Fragment key={i}>
                          <tr data-testid="bu-dunning-step">
                            <td>
                              <Input
                                type="number"
                                min={1}
                                max={365}
                                value={l.days}
                                onChange={(e) => setStep(i, { days: int(e.target.value) })}
                                style={{ width: "4.75rem" }}
                                aria-label={`Step ${i + 1}: days after the due date`}
                                aria-invalid={bad("days")}
                                testId="bu-dunning-days"
                              />
                            </td>
                            <td>
                              <Input
                                value={l.name}
                                maxLength={60}
                                placeholder="e.g. Final notice"
                                onChange={(e) => setStep(i, { name: e.target.value })}
                                style={{ minWidth: "8rem" }}
                                aria-label={`Step ${i + 1}: name on the letter`}
                                aria-invalid={bad("name")}
                                testId="bu-dunning-name"
                              />
                            </td>
                            <td>
                              <Input
                                inputMode="decimal"
                                value={l.fee}
                                onChange={(e) => setStep(i, { fee: e.target.value.trim() })}
                                style={{ width: "6rem" }}
                                aria-label={`Step ${i + 1}: fee`}
                                aria-invalid={bad("fee")}
                                testId="bu-dunning-fee"
                              />
                            </td>
                            <td className="num">
                              <button
                                type="button"
                                className="btn btn-small btn-ghost"
                                title={`Remove step ${i + 1}${l.name ? ` (${l.name})` : ""}`}
                                aria-label={`Remove step ${i + 1}`}
                                onClick={() => set("dunning", st.dunning.filter((_, j) => j !== i))}
                                data-testid="bu-dunning-remove"
                              >
                                ×
                              </button>
                            </td>
                          </tr>
                          {problems.length > 0 && (
                            <tr className="subrow">
                              <td colSpan={4} className="field-error" data-testid="bu-dunning-error">
                                {[...new Set(problems.map(([, m]) => m))].join(" ")}
                              </td>
                            </tr>
                          )}
                        </Fragment>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            {err("dunning") && <div className="field-error">{err("dunning")}</div>}
            <div className="row gap" style={{ marginTop: "0.5rem" }}>
              <button
                type="button"
                className="btn btn-small"
                disabled={st.dunning.length >= MAX_STEPS}
                title={st.dunning.length >= MAX_STEPS ? `At most ${MAX_STEPS} steps.` : "Add a step after the last"}
                onClick={() => set("dunning", [...st.dunning, nextStep(st.dunning)])}
                data-testid="bu-dunning-add"
              >
                Add a step
              </button>
              {st.dunning.length > 0 && <span className="small muted">Saved with the rest of the settings.</span>}
            </div>
          </Card>
        </div>
        <Card title="Seller details (printed on documents)">
          <div className="form-grid">
            <Field label="Legal name">
              <Input value={st.seller.legalName} onChange={(e) => setSeller("legalName", e.target.value)} />
            </Field>
            <Field label="Street address">
              <Input value={st.seller.streetAddress} onChange={(e) => setSeller("streetAddress", e.target.value)} />
            </Field>
            <Field label="Postal code">
              <Input value={st.seller.postalCode} onChange={(e) => setSeller("postalCode", e.target.value)} />
            </Field>
            <Field label="City">
              <Input value={st.seller.city} onChange={(e) => setSeller("city", e.target.value)} />
            </Field>
            <Field label="Country">
              <Input value={st.seller.country} onChange={(e) => setSeller("country", e.target.value)} />
            </Field>
            <Field label="VAT id">
              <Input value={st.seller.vatId} onChange={(e) => setSeller("vatId", e.target.value)} />
            </Field>
            <Field label="Company registration" hint="KvK, Handelsregister or company number; printed on invoices and contracts">
              <Input value={st.seller.registrationNumber} onChange={(e) => setSeller("registrationNumber", e.target.value)} testId="seller-registration" />
            </Field>
            <Field label="Email">
              <Input value={st.seller.email} onChange={(e) => setSeller("email", e.target.value)} />
            </Field>
            <Field label="Phone">
              <Input value={st.seller.phone} onChange={(e) => setSeller("phone", e.target.value)} />
            </Field>
            <Field label="Bank account" hint="The IBAN, or the account as the bank writes it" error={err("seller.bankAccount")}>
              <Input value={st.seller.bankAccount} onChange={(e) => setSeller("bankAccount", e.target.value)} testId="seller-bank-account" />
            </Field>
            <Field label="BIC" hint="The bank's BIC, sent with the IBAN in e-invoices" error={err("seller.bic")}>
              <Input value={st.seller.bic} onChange={(e) => setSeller("bic", e.target.value.toUpperCase())} className="mono" maxLength={11} placeholder="e.g. ABNANL2A" testId="seller-bic" />
            </Field>
            <Field label="E-invoice address" hint="Peppol participant id, scheme:identifier; empty: the email above" error={err("seller.einvoiceAddress")}>
              <Input value={st.seller.einvoiceAddress} onChange={(e) => setSeller("einvoiceAddress", e.target.value)} className="mono" placeholder="0106:12345678" testId="seller-einvoice-address" />
            </Field>
            <Field label="SEPA creditor id" hint="For customers who pay by direct debit (their mandate is on their page)" error={err("seller.sepaCreditorId")}>
              <Input value={st.seller.sepaCreditorId} onChange={(e) => setSeller("sepaCreditorId", e.target.value.toUpperCase())} className="mono" maxLength={35} placeholder="e.g. NL98ZZZ999999999999" testId="seller-sepa-creditor-id" />
            </Field>
          </div>
          <div className="row gap">
            <button className="btn btn-primary btn-large" disabled={save.isPending || !lengthsOk} data-testid="bu-save">
              {save.isPending ? "Saving…" : "Save settings"}
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setName(bu.name);
                setTimezone(bu.timezone);
                setSt(bu.settings);
                setLengths(bu.settings.contractLengths.join(", "));
              }}
            >
              Undo changes
            </button>
          </div>
        </Card>
      </fieldset>
    </form>
  );
}
