import { useEffect, useRef, useState } from "react";
import { rolesFor } from "../../lib/access";
import { useAction, useCommand } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Card, RoleHint, ScreenHeader } from "../../lib/ui";
import { CustomerFilter } from "../../lib/ui/CustomerFilter";
import { dayOf, GroupFields, MemberPicker } from "./parts";

export function NewGroup() {
  const s = useSession();
  const may = s.can("billingGroups.create");
  const [customerId, setCustomerId] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [d, setD] = useState({ name: "", day: "28", notes: "" });
  const customer = useCommand("customers.get", { id: customerId }, { enabled: !!customerId });
  const create = useAction("billingGroups.create", {
    success: (g) => `Billing group “${g.groupName}” created: ${g.activeRentalCount} subscription(s) billed on day ${g.billingDay}.`,
    onSuccess: (g) => navigate("billing", g.billingGroupId),
  });
  // A new customer starts a new choice; the name suggests itself from the company until typed over.
  useEffect(() => setSelected(new Set()), [customerId]);
  const company = customer.data?.company;
  const suggested = useRef("");
  useEffect(() => {
    if (!company) return;
    const next = `${company} — devices`;
    setD((cur) => (cur.name && cur.name !== suggested.current ? cur : { ...cur, name: next }));
    suggested.current = next;
  }, [company]);
  const day = dayOf(d.day);
  const ready = may && !!customerId && selected.size > 0 && !!d.name.trim() && day !== null;
  return (
    <>
      <ScreenHeader title="New billing group" sub="Pick a business customer and the subscriptions to bill together." back={{ href: href("billing"), label: "Billing groups" }} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready || day === null) return;
          create.mutate({ customerId, groupName: d.name.trim(), billingDay: day, rentalIds: [...selected], notes: d.notes.trim() || undefined });
        }}
      >
        <Card title="1. Business customer">
          <div className="filters">
            <CustomerFilter
              value={customerId}
              onChange={setCustomerId}
              testId="billing-customer-search"
              resultTestId="billing-customer-result"
              where={{ customerType: "business", status: "active" }}
              placeholder="Company, name or email"
            />
          </div>
          {customer.data && (
            <p className="muted small">
              {customer.data.email}
              {customer.data.vatId ? ` · VAT ${customer.data.vatId}` : ""}
            </p>
          )}
          {!customerId && <p className="muted small">Only business customers are billed in groups.</p>}
        </Card>
        {customerId && (
          <Card title="2. Subscriptions to bill together">
            <MemberPicker customerId={customerId} selected={selected} onChange={setSelected} disabled={!may} />
            <p className="muted small">{selected.size === 1 ? "1 subscription chosen" : `${selected.size} subscriptions chosen`}; the group's monthly total is shown once it is saved.</p>
          </Card>
        )}
        {customerId && (
          <Card title="3. The group">
            <GroupFields name={d.name} day={d.day} notes={d.notes} onChange={(p) => setD({ ...d, ...p })} error={create.error} disabled={!may} />
            <div className="row gap">
              <button className="btn btn-primary" disabled={!ready || create.isPending} data-testid="billing-save">
                {create.isPending ? "Saving…" : "Create the billing group"}
              </button>
              <a className="btn btn-ghost" href={href("billing")}>
                Cancel
              </a>
            </div>
          </Card>
        )}
        {!may && <RoleHint roles={rolesFor("billingGroups.create")} />}
      </form>
    </>
  );
}
