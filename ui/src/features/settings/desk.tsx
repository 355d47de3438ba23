import { useState } from "react";
import type { BuSettings } from "../../lib/api/bindings/BuSettings";
import { rolesFor } from "../../lib/access";
import { useAction } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Card, Field, Input, RoleHint } from "../../lib/ui";

export function NewBusinessUnit() {
  const s = useSession();
  const empty = { name: "", currency: "EUR", code: "", country: "", timezone: "", taxRate: "" };
  const [d, setD] = useState(empty);
  const create = useAction("bu.create", {
    success: (b) => `Business unit ${b.name} (${b.currency}) created and selected.`,
    onSuccess: (b) => {
      setD(empty);
      void s.refreshBusinessUnits(b.id);
    },
  });
  const may = s.can("bu.create");
  const err = (p: string) => create.error?.field(p);
  return (
    <Card title="New business unit">
      <p className="muted small">A business unit has its own currency, catalog, customers, orders, assets and numbering. The currency cannot change later.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            name: d.name,
            currency: d.currency.trim().toUpperCase(),
            code: d.code.trim() || undefined,
            country: d.country.trim() || undefined,
            timezone: d.timezone.trim() || undefined,
            settings: d.taxRate.trim() ? ({ ...(s.bu?.settings ?? {}), taxRate: d.taxRate.trim() } as BuSettings) : undefined,
          });
        }}
      >
        <fieldset className="plain" disabled={!may}>
          <div className="form-grid">
            <Field label="Name" error={err("name")}>
              <Input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} testId="new-bu-name" />
            </Field>
            <Field label="Currency" hint="ISO code, e.g. EUR" error={err("currency")}>
              <Input value={d.currency} onChange={(e) => setD({ ...d, currency: e.target.value })} maxLength={3} className="mono" testId="new-bu-currency" />
            </Field>
            <Field label="Code" hint="1–5 letters, used in order numbers" error={err("code")}>
              <Input value={d.code} onChange={(e) => setD({ ...d, code: e.target.value })} maxLength={5} className="mono" />
            </Field>
            <Field label="Country" hint="e.g. NL">
              <Input value={d.country} onChange={(e) => setD({ ...d, country: e.target.value })} />
            </Field>
            <Field label="Time zone" hint="e.g. Europe/Amsterdam">
              <Input value={d.timezone} onChange={(e) => setD({ ...d, timezone: e.target.value })} />
            </Field>
            <Field label="Tax rate (%)" hint={s.bu ? "Other settings copied from the current unit" : "Other settings use defaults"} error={err("settings.taxRate")}>
              <Input value={d.taxRate} onChange={(e) => setD({ ...d, taxRate: e.target.value })} inputMode="decimal" />
            </Field>
          </div>
          <button className="btn btn-primary" disabled={!d.name.trim() || !d.currency.trim() || create.isPending} data-testid="new-bu-create">
            Create business unit
          </button>
        </fieldset>
        {!may && <RoleHint roles={rolesFor("bu.create")} />}
      </form>
    </Card>
  );
}
