import { useEffect, useMemo, useState } from "react";
import type { Product } from "../../lib/api/bindings/Product";
import type { ProductInput } from "../../lib/api/bindings/ProductInput";
import { rolesFor } from "../../lib/access";
import { formatDateTime } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useBu, useSession } from "../../lib/session";
import { Badge, Card, Field, Input, LoadError, Loading, RoleHint, ScreenHeader, Select, Textarea, Timeline } from "../../lib/ui";
import type { AppError } from "../../lib/api/client";
import { CONTRACT_LENGTH } from "../../lib/api/bindings/Vocabulary";

interface VariantRow {
  key: string;
  variantId?: string;
  variantSku: string;
  variantName: string;
  grade: string;
  colorName: string;
  listPrice: string;
  acquisitionCost: string;
  status: string;
  /** Monthly price per contract length, as typed. */
  prices: Record<number, string>;
}

interface Draft {
  productSku: string;
  name: string;
  category: string;
  brand: string;
  specification: string;
  description: string;
  status: string;
  variants: VariantRow[];
}

let rowSeq = 0;
const newRow = (): VariantRow => ({
  key: `new-${++rowSeq}`,
  variantSku: "",
  variantName: "",
  grade: "A",
  colorName: "",
  listPrice: "",
  acquisitionCost: "",
  status: "active",
  prices: {},
});

function draftOf(p: Product | undefined): Draft {
  if (!p) return { productSku: "", name: "", category: "", brand: "", specification: "", description: "", status: "active", variants: [newRow()] };
  return {
    productSku: p.productSku,
    name: p.name,
    category: p.category,
    brand: p.brand,
    specification: p.specification,
    description: p.description ?? "",
    status: p.status,
    variants: p.variants.map((v) => ({
      key: v.variantId,
      variantId: v.variantId,
      variantSku: v.variantSku,
      variantName: v.variantName,
      grade: v.grade,
      colorName: v.colorName ?? "",
      listPrice: v.listPrice ?? "",
      acquisitionCost: v.acquisitionCost ?? "",
      status: v.status,
      prices: Object.fromEntries(v.pricing.map((t) => [t.contractLength, t.monthlyPrice])),
    })),
  };
}

function toInput(d: Draft): ProductInput {
  return {
    productSku: d.productSku.trim(),
    name: d.name.trim(),
    category: d.category.trim(),
    brand: d.brand.trim(),
    specification: d.specification.trim(),
    description: d.description.trim() || undefined,
    status: d.status,
    variants: d.variants.map((v) => ({
      variantId: v.variantId,
      variantSku: v.variantSku.trim(),
      variantName: v.variantName.trim(),
      grade: v.grade.trim(),
      colorName: v.colorName.trim() || undefined,
      listPrice: v.listPrice.trim() || undefined,
      acquisitionCost: v.acquisitionCost.trim() || undefined,
      status: v.status,
      pricing: Object.entries(v.prices)
        .filter(([, price]) => price.trim() !== "")
        .map(([len, price]) => ({ contractLength: Number(len), monthlyPrice: price.trim() })),
    })),
  };
}

export function ProductEditor(props: { productId?: string }) {
  const q = useCommand("catalog.getProduct", { id: props.productId ?? "" }, { enabled: !!props.productId });
  if (props.productId && q.isLoading) return <Loading what="the product" />;
  if (props.productId && !q.data) {
    return (
      <>
        <ScreenHeader title="Product" back={{ href: href("catalog"), label: "Catalog" }} />
        <LoadError error={q.error} />
      </>
    );
  }
  return <Editor product={q.data} />;
}

function Editor(props: { product?: Product }) {
  const s = useSession();
  const bu = useBu();
  const p = props.product;
  const [d, setD] = useState<Draft>(() => draftOf(p));
  useEffect(() => setD(draftOf(p)), [p]);
  const cats = useCommand("catalog.listCategories", {});
  const may = s.can("catalog.saveProduct");

  // The lengths priced on the variants, as a key: the list below changes only when they do.
  const existingLengths = d.variants.flatMap((v) => Object.keys(v.prices).map(Number)).join(",");
  const [extraLengths, setExtraLengths] = useState<number[]>([]);
  const lengths = useMemo(
    () => [...new Set([...bu.settings.contractLengths, ...(existingLengths ? existingLengths.split(",").map(Number) : []), ...extraLengths])].sort((a, b) => a - b),
    [bu.settings.contractLengths, existingLengths, extraLengths],
  );
  const [newLength, setNewLength] = useState("");

  const save = useAction("catalog.saveProduct", {
    success: (r) => {
      const made = r.variantResults.filter((v) => v.operation.startsWith("create")).length;
      const changed = r.variantResults.length - made;
      const parts = [made && `${made} new variant${made === 1 ? "" : "s"}`, changed && `${changed} variant${changed === 1 ? "" : "s"} updated`].filter(Boolean);
      return `Product ${r.productSku} ${r.operation.startsWith("create") ? "created" : "saved"}${parts.length ? ` (${parts.join(", ")})` : ""}.`;
    },
    onSuccess: (r) => {
      if (!p) navigate("catalog", "product", r.productId);
    },
  });
  const [asking, setAsking] = useState(false);
  const discontinue = useAction("catalog.deleteProduct", { success: (r) => r.message, onSuccess: () => setAsking(false) });

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setRow = (key: string, patch: Partial<VariantRow>) => setD((x) => ({ ...x, variants: x.variants.map((v) => (v.key === key ? { ...v, ...patch } : v)) }));
  const err = (path: string) => save.error?.field(path);

  return (
    <>
      <ScreenHeader
        title={p ? p.name : "New product"}
        sub={p ? <span className="mono">{p.productSku}</span> : "A product and its variants, each with a monthly price per contract length."}
        back={{ href: href("catalog"), label: "Catalog" }}
        actions={p && <Badge status={p.status} />}
      />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(toInput(d));
        }}
      >
        <fieldset className="plain" disabled={!may}>
          <Card title="Product">
            <div className="form-grid">
              <Field label="Product SKU" error={err("productSku")} hint={p ? "The SKU identifies the product; it cannot change." : undefined}>
                <Input value={d.productSku} onChange={(e) => set("productSku", e.target.value)} readOnly={!!p} className="mono" testId="product-sku" />
              </Field>
              <Field label="Name" error={err("name")}>
                <Input value={d.name} onChange={(e) => set("name", e.target.value)} testId="product-name" />
              </Field>
              <Field label="Category" error={err("category")} hint="Pick one or type a new one.">
                <Input value={d.category} onChange={(e) => set("category", e.target.value)} list="product-categories" testId="product-category" />
                <datalist id="product-categories">
                  {cats.data?.map((c) => (
                    <option key={c.id} value={c.name} />
                  ))}
                </datalist>
              </Field>
              <Field label="Brand" error={err("brand")}>
                <Input value={d.brand} onChange={(e) => set("brand", e.target.value)} testId="product-brand" />
              </Field>
              <Field label="Status">
                <Select value={d.status} onChange={(e) => set("status", e.target.value)}>
                  <option value="active">Active</option>
                  <option value="discontinued">Discontinued</option>
                </Select>
              </Field>
              <Field label="Specification" wide error={err("specification")}>
                <Input value={d.specification} onChange={(e) => set("specification", e.target.value)} testId="product-spec" />
              </Field>
              <Field label="Description" wide>
                <Textarea rows={2} value={d.description} onChange={(e) => set("description", e.target.value)} />
              </Field>
            </div>
          </Card>

          <Card
            title="Variants and monthly prices"
            actions={
              <div className="row gap">
                <Input
                  className="qty"
                  type="number"
                  min={CONTRACT_LENGTH.min}
                  max={CONTRACT_LENGTH.max}
                  value={newLength}
                  onChange={(e) => setNewLength(e.target.value)}
                  placeholder="months"
                  aria-label="Another contract length in months"
                />
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={!(Number(newLength) >= CONTRACT_LENGTH.min && Number(newLength) <= CONTRACT_LENGTH.max && Number.isInteger(Number(newLength)))}
                  onClick={() => {
                    setExtraLengths((l) => [...l, Number(newLength)]);
                    setNewLength("");
                  }}
                >
                  Add length
                </button>
              </div>
            }
          >
            <p className="muted small">
              Prices in {bu.currency} per month. Leave a price empty to not offer that length. Variants are never deleted; set one inactive to stop offering it.
            </p>
            <div className="table-wrap">
              <table className="table variants-table" data-testid="product-variants">
                <thead>
                  <tr>
                    <th>Variant SKU</th>
                    <th>Name</th>
                    <th>Grade</th>
                    <th>Colour</th>
                    <th className="num">List price</th>
                    <th className="num">Acq. cost</th>
                    {lengths.map((l) => (
                      <th key={l} className="num">
                        {l} mo
                      </th>
                    ))}
                    <th>Status</th>
                    <th className="col-actions">
                      <span className="sr-only">Remove</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.variants.map((v, i) => (
                    <VariantEditRow key={v.key} row={v} index={i} lengths={lengths} error={save.error} onChange={(patch) => setRow(v.key, patch)} onRemove={v.variantId ? undefined : () => set("variants", d.variants.filter((x) => x.key !== v.key))} />
                  ))}
                </tbody>
              </table>
            </div>
            <button type="button" className="btn btn-small" onClick={() => set("variants", [...d.variants, newRow()])} data-testid="product-add-variant">
              + Add variant
            </button>
          </Card>
          <div className="row gap">
            <button className="btn btn-primary btn-large" disabled={save.isPending} data-testid="product-save">
              {save.isPending ? "Saving…" : p ? "Save product" : "Create product"}
            </button>
            {p && (
              <button type="button" className="btn btn-ghost" onClick={() => setD(draftOf(p))}>
                Undo changes
              </button>
            )}
          </div>
        </fieldset>
        {!may && <RoleHint roles={rolesFor("catalog.saveProduct")} />}
      </form>

      {p && (
        <div className="grid-2" style={{ marginTop: "1rem" }}>
          <Card title="Discontinue">
            <p>Discontinuing keeps the product on record and sets all its variants inactive. Products on open orders cannot be discontinued.</p>
            {p.status === "discontinued" ? (
              <p className="muted">This product is discontinued. Set its status to active above and save to offer it again (then activate the variants you want).</p>
            ) : !asking ? (
              <button className="btn btn-danger" disabled={!s.can("catalog.deleteProduct")} onClick={() => setAsking(true)} data-testid="product-discontinue">
                Discontinue…
              </button>
            ) : (
              <div className="row gap">
                <button className="btn btn-danger" disabled={discontinue.isPending} onClick={() => discontinue.mutate({ id: p.productId })} data-testid="product-discontinue-confirm" autoFocus>
                  Yes, discontinue {p.name}
                </button>
                <button className="btn btn-ghost" onClick={() => setAsking(false)}>
                  No
                </button>
              </div>
            )}
            <p className="muted small">Last changed {formatDateTime(p.updatedAt)}.</p>
          </Card>
          <Timeline entityType="product" entityId={p.productId} />
        </div>
      )}
    </>
  );
}

function VariantEditRow(props: { row: VariantRow; index: number; lengths: number[]; error: AppError | null; onChange(p: Partial<VariantRow>): void; onRemove?: () => void }) {
  const v = props.row;
  const i = props.index;
  const e = (f: string) => props.error?.details.find((d) => d.path === `variants[${i}].${f}`)?.message;
  const rowErrors = props.error?.details.filter((d) => d.path.startsWith(`variants[${i}]`)).map((d) => d.message) ?? [];
  return (
    <>
      <tr data-testid="product-variant-row">
        <td>
          <Input value={v.variantSku} onChange={(x) => props.onChange({ variantSku: x.target.value })} readOnly={!!v.variantId} className="mono" aria-label="Variant SKU" aria-invalid={!!e("variantSku")} testId="variant-sku" />
        </td>
        <td>
          <Input value={v.variantName} onChange={(x) => props.onChange({ variantName: x.target.value })} aria-label="Variant name" aria-invalid={!!e("variantName")} testId="variant-name" />
        </td>
        <td>
          <Input value={v.grade} onChange={(x) => props.onChange({ grade: x.target.value })} style={{ width: "3.2rem" }} aria-label="Grade" />
        </td>
        <td>
          <Input value={v.colorName} onChange={(x) => props.onChange({ colorName: x.target.value })} aria-label="Colour" />
        </td>
        <td>
          <Input className="price" inputMode="decimal" value={v.listPrice} onChange={(x) => props.onChange({ listPrice: x.target.value })} aria-label="List price" />
        </td>
        <td>
          <Input className="price" inputMode="decimal" value={v.acquisitionCost} onChange={(x) => props.onChange({ acquisitionCost: x.target.value })} aria-label="Acquisition cost" />
        </td>
        {props.lengths.map((l) => (
          <td key={l}>
            <Input
              className="price"
              inputMode="decimal"
              value={v.prices[l] ?? ""}
              onChange={(x) => props.onChange({ prices: { ...v.prices, [l]: x.target.value } })}
              aria-label={`Monthly price for ${l} months`}
              testId={`variant-price-${l}`}
            />
          </td>
        ))}
        <td>
          <Select value={v.status} onChange={(x) => props.onChange({ status: x.target.value })} aria-label="Variant status">
            <option value="active">active</option>
            <option value="inactive">inactive</option>
          </Select>
        </td>
        <td className="col-actions">
          {props.onRemove && (
            <button type="button" className="btn btn-small btn-ghost" onClick={props.onRemove} aria-label="Remove this new variant">
              ×
            </button>
          )}
        </td>
      </tr>
      {rowErrors.length > 0 && (
        <tr>
          <td colSpan={props.lengths.length + 8} className="field-error">
            {rowErrors.join(" ")}
          </td>
        </tr>
      )}
    </>
  );
}
