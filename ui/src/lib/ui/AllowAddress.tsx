import type { AppError } from "../api/client";
import { Check } from "./index";

/** The field error code of an address the desk does not reach unasked (the core's `net::guard::CONFIRM`). */
const CONFIRM = "confirm_address";

/**
 * "Allow this address": offered once the desk has refused an address it does not reach unasked
 * (this computer, a link-local address, plain http to the internet; the field's error says which),
 * and kept shown while an allowed address is being edited.
 */
export function AllowAddress(props: { error: AppError | null; field: string; allowedBefore?: boolean; checked: boolean; onChange(v: boolean): void; testId: string }) {
  const asked = props.error?.details.some((d) => d.code === CONFIRM && d.path === props.field) ?? false;
  if (!asked && !props.allowedBefore) return null;
  return (
    <div className="allow-address small" data-testid={`${props.testId}-box`}>
      <Check label="Allow this address: I know where it points and that it should receive this desk's data" checked={props.checked} onChange={props.onChange} testId={props.testId} />
    </div>
  );
}
