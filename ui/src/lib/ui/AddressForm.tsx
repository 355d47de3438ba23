import type { Address } from "../api/bindings/Address";
import { Field, Input } from "./index";

export const emptyAddress = (): Address => ({ contactName: "", streetAddress: "", city: "", postalCode: "", country: "" });

/** Postal address fields; `prefix` names the testids (`${prefix}-street` …). */
export function AddressForm(props: { value: Address; onChange(a: Address): void; prefix: string; disabled?: boolean; errors?: (path: string) => string | undefined }) {
  const a = props.value;
  const set = (k: keyof Address) => (e: React.ChangeEvent<HTMLInputElement>) => props.onChange({ ...a, [k]: e.target.value });
  const err = (k: string) => props.errors?.(k);
  return (
    <div className="form-grid">
      <Field label="Contact name" error={err("contactName")}>
        <Input value={a.contactName} onChange={set("contactName")} disabled={props.disabled} testId={`${props.prefix}-contact`} />
      </Field>
      <Field label="Company">
        <Input value={a.company ?? ""} onChange={set("company")} disabled={props.disabled} />
      </Field>
      <Field label="Street and number" wide error={err("streetAddress")}>
        <Input value={a.streetAddress} onChange={set("streetAddress")} disabled={props.disabled} testId={`${props.prefix}-street`} />
      </Field>
      <Field label="Postal code">
        <Input value={a.postalCode ?? ""} onChange={set("postalCode")} disabled={props.disabled} testId={`${props.prefix}-postal`} />
      </Field>
      <Field label="City" error={err("city")}>
        <Input value={a.city} onChange={set("city")} disabled={props.disabled} testId={`${props.prefix}-city`} />
      </Field>
      <Field label="Country" error={err("country")}>
        <Input value={a.country} onChange={set("country")} disabled={props.disabled} testId={`${props.prefix}-country`} />
      </Field>
    </div>
  );
}

/** One line for lists: "Jane Doe, Main St 1, 1011 AB Amsterdam, NL". */
export function addressLine(a: Address | null | undefined): string {
  if (!a) return "—";
  return [a.contactName, a.company, a.streetAddress, a.buildingInfo, [a.postalCode, a.city].filter(Boolean).join(" "), a.adminArea, a.country]
    .filter((x) => x && String(x).trim())
    .join(", ");
}

/** An address is complete enough for the core when its required parts are filled in. */
export function addressComplete(a: Address): boolean {
  return !!(a.contactName.trim() && a.streetAddress.trim() && a.city.trim() && a.country.trim());
}
