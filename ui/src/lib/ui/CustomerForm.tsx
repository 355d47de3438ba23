import type { Address } from "../api/bindings/Address";
import type { CustomerType } from "../api/bindings/CustomerType";
import type { AppError } from "../api/client";
import { useCommand } from "../query";
import { href } from "../router";
import { AddressForm, addressComplete, emptyAddress } from "./AddressForm";
import { Field, Input, Select, Check } from "./index";

export interface CustomerDraft {
  email: string;
  firstName: string;
  lastName: string;
  company: string;
  phone: string;
  customerType: CustomerType;
  vatId: string;
  notes: string;
  withAddress: boolean;
  billingAddress: Address;
}

export const emptyCustomer = (): CustomerDraft => ({
  email: "",
  firstName: "",
  lastName: "",
  company: "",
  phone: "",
  customerType: "individual",
  vatId: "",
  notes: "",
  withAddress: false,
  billingAddress: emptyAddress(),
});

/** Customer fields (testids `customer-*` as in the UI contract). */
export function CustomerFields(props: { value: CustomerDraft; onChange(d: CustomerDraft): void; error?: AppError | null; disabled?: boolean; autoFocus?: boolean; addressOptional?: boolean }) {
  const d = props.value;
  const set = <K extends keyof CustomerDraft>(k: K, v: CustomerDraft[K]) => props.onChange({ ...d, [k]: v });
  const err = (p: string) => props.error?.field(p);
  return (
    <>
      <div className="form-grid">
        <Field label="Email" error={err("email")}>
          <Input type="email" value={d.email} onChange={(e) => set("email", e.target.value)} testId="customer-email" autoFocus={props.autoFocus} disabled={props.disabled} />
          {props.error?.code === "CONFLICT" && err("email") && <EmailOwner email={d.email} />}
        </Field>
        <Field label="Type">
          <Select value={d.customerType} onChange={(e) => set("customerType", e.target.value as CustomerType)} testId="customer-type" disabled={props.disabled}>
            <option value="individual">Individual</option>
            <option value="business">Business</option>
          </Select>
        </Field>
        <Field label="First name" error={err("firstName")}>
          <Input value={d.firstName} onChange={(e) => set("firstName", e.target.value)} testId="customer-first-name" disabled={props.disabled} />
        </Field>
        <Field label="Last name" error={err("lastName")}>
          <Input value={d.lastName} onChange={(e) => set("lastName", e.target.value)} testId="customer-last-name" disabled={props.disabled} />
        </Field>
        <Field label="Company" hint={d.customerType === "business" ? undefined : "Optional"}>
          <Input value={d.company} onChange={(e) => set("company", e.target.value)} testId="customer-company" disabled={props.disabled} />
        </Field>
        <Field label="Phone" hint="Optional">
          <Input type="tel" value={d.phone} onChange={(e) => set("phone", e.target.value)} testId="customer-phone" disabled={props.disabled} />
        </Field>
        {d.customerType === "business" && (
          <Field label="VAT id" hint="Optional">
            <Input value={d.vatId} onChange={(e) => set("vatId", e.target.value)} disabled={props.disabled} />
          </Field>
        )}
      </div>
      {props.addressOptional !== false && (
        <Check label="Add a billing address" checked={d.withAddress} onChange={(v) => set("withAddress", v)} disabled={props.disabled} />
      )}
      {(d.withAddress || props.addressOptional === false) && (
        <AddressForm prefix="customer-billing" value={d.billingAddress} onChange={(a) => set("billingAddress", a)} disabled={props.disabled} errors={(p) => err(`billingAddress.${p}`)} />
      )}
    </>
  );
}

/** The customer an email already belongs to, as a link to open them (after a `CONFLICT` on it). */
function EmailOwner(props: { email: string }) {
  const found = useCommand("customers.list", { email: props.email.trim(), limit: "1" }, { enabled: !!props.email.trim() });
  const c = found.data?.items[0];
  if (!c) return null;
  return (
    <a className="field-hint" href={href("customers", c.customerId)} data-testid="customer-email-owner">
      Open {c.firstName} {c.lastName}
      {c.company ? ` (${c.company})` : ""}
    </a>
  );
}

const opt = (s: string) => (s.trim() ? s.trim() : undefined);

/** The `customers.create` request for a draft. */
export function newCustomerRequest(d: CustomerDraft) {
  const withAddress = d.withAddress && (addressComplete(d.billingAddress) || Object.values(d.billingAddress).some((v) => v && String(v).trim()));
  return {
    email: d.email.trim(),
    firstName: d.firstName.trim(),
    lastName: d.lastName.trim(),
    company: opt(d.company),
    phone: opt(d.phone),
    customerType: d.customerType,
    vatId: opt(d.vatId),
    notes: opt(d.notes),
    billingAddress: withAddress ? d.billingAddress : undefined,
  };
}
