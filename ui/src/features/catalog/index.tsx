import { useRef, useState } from "react";
import type { Category } from "../../lib/api/bindings/Category";
import type { ImportReport } from "../../lib/api/bindings/ImportReport";
import type { Product } from "../../lib/api/bindings/Product";
import type { SerialFormat } from "../../lib/api/bindings/SerialFormat";
import type { Variant } from "../../lib/api/bindings/Variant";
import { call } from "../../lib/api/client";
import { rolesFor } from "../../lib/access";
import { months } from "../../lib/format";
import { useAction, useCommand, useInvalidateAfter, usePagedList } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { ListCount } from "../../lib/ui/ListControls";
import { useDebounced } from "../../lib/useDebounced";
import { Badge, Card, Empty, Field, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select } from "../../lib/ui";
import { CsvImport } from "../../lib/ui/CsvImport";
import { RecordsCsvButton } from "../../lib/ui/RecordsCsvButton";
import { ProductEditor } from "./ProductEditor";
import "./catalog.css";

export function CatalogArea(props: { parts: string[] }) {
  const [sub, id] = props.parts;
  const mayEdit = useSession().can("catalog.saveProduct");
  if (sub === "new") return <ProductEditor key="new" />;
  if (sub === "product" && id) return <ProductEditor key={id} productId={id} />;
  return (
    <>
      <ScreenHeader
        title="Catalog"
        sub="Products, their variants and monthly prices per contract length."
        actions={
          <>
            {!sub && <RecordsCsvButton records="products" what="product and variant" testId="products-csv" />}
            <a className={`btn btn-primary ${mayEdit ? "" : "disabled"}`} href={href("catalog", "new")} data-testid="catalog-new-product">
              New product
            </a>
          </>
        }
      />
      <nav className="tabs">
        <a href={href("catalog")} className={!sub ? "active" : ""}>
          Products
        </a>
        <a href={href("catalog", "categories")} className={sub === "categories" ? "active" : ""}>
          Categories
        </a>
        <a href={href("catalog", "import")} className={sub === "import" ? "active" : ""}>
          Import CSV
        </a>
      </nav>
      {sub === "categories" ? <Categories /> : sub === "import" ? <ImportProducts /> : <Products />}
    </>
  );
}

function Products() {
  const mayEdit = useSession().can("catalog.saveProduct");
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("active");
  const [category, setCategory] = useState("");
  const [brand, setBrand] = useState("");
  const dq = useDebounced(q.trim(), 250);
  const dbrand = useDebounced(brand.trim(), 300);
  const cats = useCommand("catalog.listCategories", {});
  const list = usePagedList("catalog.listProducts", { q: dq || undefined, status: status || undefined, category: category || undefined, brand: dbrand || undefined, includeTotal: true, limit: "25" });
  // Brands seen so far feed the brand suggestions.
  const known = useRef(new Set<string>());
  list.items.forEach((p) => known.current.add(p.brand));
  const seen = [...known.current].sort();

  return (
    <Card>
      <div className="filters">
        <Field label="Search">
          <Input className="search-input" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Name, SKU or brand" autoFocus testId="catalog-q" />
        </Field>
        <Field label="Status">
          <Select value={status} onChange={(e) => setStatus(e.target.value)} testId="catalog-status">
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="discontinued">Discontinued</option>
          </Select>
        </Field>
        <Field label="Category">
          <Select value={category} onChange={(e) => setCategory(e.target.value)} testId="catalog-category">
            <option value="">All categories</option>
            {cats.data?.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Brand">
          <Input value={brand} onChange={(e) => setBrand(e.target.value)} list="catalog-brands" placeholder="All brands" testId="catalog-brand" />
          <datalist id="catalog-brands">
            {seen.map((b) => (
              <option key={b} value={b} />
            ))}
          </datalist>
        </Field>
      </div>
      <LoadError error={list.error} />
      <ListCount shown={list.items.length} total={list.data?.pages[0]?.total} noun="products" testId="products-count" />
      {list.isLoading && <Loading what="products" />}
      {!list.isLoading && list.items.length === 0 && <Empty>No products match. {mayEdit && <a href={href("catalog", "new")}>Create one</a>}</Empty>}
      <div className="product-list">
        {list.items.map((p) => (
          <ProductRow key={p.productId} product={p} />
        ))}
      </div>
      <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
    </Card>
  );
}

function ProductRow(props: { product: Product }) {
  const p = props.product;
  return (
    <div className="product" data-testid="catalog-product">
      <div className="product-head">
        <div>
          <a className="product-name" href={href("catalog", "product", p.productId)}>
            {p.name}
          </a>
          <span className="mono muted small"> {p.productSku}</span>
          <div className="muted small">
            {p.brand} · {p.category} · {p.specification}
          </div>
        </div>
        <Badge status={p.status} />
      </div>
      <div className="table-wrap">
        <VariantsTable variants={p.variants} />
      </div>
    </div>
  );
}

/** The colour, unless the variant's name already says it. */
function colourNote(v: Variant): string | null {
  if (!v.colorName) return null;
  return v.variantName.toLowerCase().includes(v.colorName.toLowerCase()) ? null : v.colorName;
}

function VariantsTable(props: { variants: Variant[] }) {
  const s = useSession();
  const lengths = [...new Set([...(s.bu?.settings.contractLengths ?? []), ...props.variants.flatMap((v) => v.pricing.map((t) => t.contractLength))])].sort((a, b) => a - b);
  const toggle = useAction("catalog.setVariantStatus", {
    success: (v) => `${v.variantSku} is now ${v.status}.`,
  });
  const may = s.can("catalog.setVariantStatus");
  return (
    <table className="table compact variants">
      <colgroup>
        <col className="c-sku" />
        <col />
        <col className="c-grade" />
        <col className="c-money" />
        {lengths.map((l) => (
          <col key={l} className="c-money" />
        ))}
        <col className="c-status" />
      </colgroup>
      <thead>
        <tr>
          <th>Variant SKU</th>
          <th>Variant</th>
          <th>Grade</th>
          <th className="num">List price</th>
          {lengths.map((l) => (
            <th key={l} className="num" title={`Monthly price for ${months(l)}`}>
              {l} mo
            </th>
          ))}
          <th className="col-actions">Status</th>
        </tr>
      </thead>
      <tbody>
        {props.variants.map((v) => (
          <tr key={v.variantId}>
            <td className="mono">{v.variantSku}</td>
            <td>
              {v.variantName}
              {colourNote(v) && <span className="muted"> · {colourNote(v)}</span>}
            </td>
            <td>{v.grade}</td>
            <td className="num">{s.money(v.listPrice)}</td>
            {lengths.map((l) => {
              const t = v.pricing.find((x) => x.contractLength === l);
              return (
                <td key={l} className="num" data-testid={`variant-price-${l}`}>
                  {t ? s.money(t.monthlyPrice) : <span className="muted">—</span>}
                </td>
              );
            })}
            <td className="col-actions">
              <span className="row gap">
                <Badge status={v.status} />
                {may && (
                  <button
                    className="btn btn-small"
                    disabled={toggle.isPending}
                    onClick={() => toggle.mutate({ variantId: v.variantId, status: v.status === "active" ? "inactive" : "active" })}
                    data-testid="variant-toggle"
                  >
                    {v.status === "active" ? "Deactivate" : "Activate"}
                  </button>
                )}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Categories() {
  const s = useSession();
  const cats = useCommand("catalog.listCategories", {});
  const may = s.can("catalog.saveCategory");
  return (
    <>
      <Card title="Categories">
        <p className="muted">The serial rule decides what intake accepts: which characters (IMEI: 15 digits with a valid check digit, for phones) and the shortest serial, so a mis-scan or a typing slip is refused.</p>
        <LoadError error={cats.error} />
        {cats.isLoading && <Loading />}
        {cats.data && cats.data.length === 0 && <Empty>No categories yet. They are also created when a product names a new one.</Empty>}
        {cats.data && cats.data.length > 0 && (
          <table className="table middle" data-testid="categories-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Description</th>
                <th className="num">Order</th>
                <th>Serials</th>
                <th className="num">Shortest</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cats.data.map((c) => (
                <CategoryRow key={c.id} category={c} may={may} />
              ))}
            </tbody>
          </table>
        )}
        {!may && <RoleHint roles={rolesFor("catalog.saveCategory")} />}
      </Card>
      {may && <NewCategory />}
    </>
  );
}

function CategoryRow(props: { category: Category; may: boolean }) {
  const c = props.category;
  const [d, setD] = useState({ description: c.description, sortOrder: String(c.sortOrder), serialFormat: c.serialFormat as SerialFormat, serialMinLength: String(c.serialMinLength) });
  const save = useAction("catalog.saveCategory", { success: (r) => `Category ${r.name} saved.` });
  const changed = d.description !== c.description || d.sortOrder !== String(c.sortOrder) || d.serialFormat !== c.serialFormat || d.serialMinLength !== String(c.serialMinLength);
  return (
    <tr>
      <td>
        <strong>{c.name}</strong>
      </td>
      <td>
        <Input value={d.description} onChange={(e) => setD({ ...d, description: e.target.value })} disabled={!props.may} aria-label={`Description of ${c.name}`} />
      </td>
      <td className="num">
        <Input className="qty" type="number" value={d.sortOrder} onChange={(e) => setD({ ...d, sortOrder: e.target.value })} disabled={!props.may} aria-label={`Order of ${c.name}`} />
      </td>
      <td>
        <SerialFormatSelect value={d.serialFormat} onChange={(v) => setD({ ...d, serialFormat: v })} disabled={!props.may} label={`Serial format of ${c.name}`} />
      </td>
      <td className="num">
        <Input className="qty" type="number" min={1} max={64} value={d.serialFormat === "imei" ? "15" : d.serialMinLength} onChange={(e) => setD({ ...d, serialMinLength: e.target.value })} disabled={!props.may || d.serialFormat === "imei"} aria-label={`Shortest serial of ${c.name}`} testId={`category-min-${c.name}`} />
      </td>
      <td>
        {props.may && (
          <button className="btn btn-small" disabled={!changed || save.isPending} onClick={() => save.mutate({ name: c.name, description: d.description, sortOrder: Number(d.sortOrder) || 0, serialFormat: d.serialFormat, serialMinLength: Number(d.serialMinLength) })}>
            Save
          </button>
        )}
      </td>
    </tr>
  );
}

/** The characters a category's serials may have. */
function SerialFormatSelect(props: { value: SerialFormat; onChange(v: SerialFormat): void; disabled?: boolean; label?: string }) {
  return (
    <Select value={props.value} onChange={(e) => props.onChange(e.target.value as SerialFormat)} disabled={props.disabled} aria-label={props.label}>
      <option value="any">Letters, digits, - _ . / : + #</option>
      <option value="alphanumeric">Letters and digits only</option>
      <option value="digits">Digits only</option>
      <option value="imei">IMEI (15 digits)</option>
    </Select>
  );
}

function NewCategory() {
  const [d, setD] = useState({ name: "", description: "", serialFormat: "any" as SerialFormat });
  const save = useAction("catalog.saveCategory", {
    success: (r) => `Category ${r.name} saved.`,
    onSuccess: () => setD({ name: "", description: "", serialFormat: "any" }),
  });
  return (
    <Card title="New category">
      <form
        className="row gap wrap align-end"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ name: d.name, description: d.description || undefined, serialFormat: d.serialFormat });
        }}
      >
        <Field label="Name" error={save.error?.field("name")}>
          <Input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} testId="category-name" />
        </Field>
        <Field label="Description">
          <Input value={d.description} onChange={(e) => setD({ ...d, description: e.target.value })} />
        </Field>
        <Field label="Serials">
          <SerialFormatSelect value={d.serialFormat} onChange={(v) => setD({ ...d, serialFormat: v })} />
        </Field>
        <button className="btn btn-primary" disabled={!d.name.trim() || save.isPending} data-testid="category-save">
          Add category
        </button>
      </form>
    </Card>
  );
}

function ImportProducts() {
  const s = useSession();
  const invalidateAfter = useInvalidateAfter();
  return (
    <Card title="Import products from CSV">
      <CsvImport<ImportReport>
        template={{
          name: "products-template.csv",
          text:
            "Product Name,Product SKU,Category,Brand,Specification,Variant SKU,List Price,Acquisition Cost,6mo_Price,12mo_Price,24mo_Price,36mo_Price,Grade,Color,Variant Name,Description\r\n" +
            "ThinkPad T14 Gen 5,T14-G5,Laptops,Lenovo,16 GB / 512 GB,T14-G5-16-512-BLK,1299.00,1050.00,119.00,99.00,79.00,69.00,A,Black,,Business laptop\r\n",
        }}
        help={
          <>
            Columns: Product Name, Product SKU, Category, Brand, Specification, Variant SKU, List Price, Acquisition Cost, and one price column per contract length (for
            example <span className="mono">6mo_Price, 12mo_Price, 24mo_Price, 36mo_Price</span>); optional Grade, Color, Variant Name, Description. Existing SKUs are
            updated, new ones created. The file is checked first; nothing is written until you import.
          </>
        }
        importLabel="Import products"
        disabled={!s.can("catalog.importCsv")}
        run={(csv, options) => call("catalog.importCsv", { csv, options })}
        describe={(r) => (
          <div className="muted small">
            {r.summary.totalRows} rows · products {r.summary.productsCreated} new, {r.summary.productsUpdated} updated · variants {r.summary.variantsCreated} new,{" "}
            {r.summary.variantsUpdated} updated
          </div>
        )}
        onImported={() => invalidateAfter("catalog.importCsv")}
      />
      {!s.can("catalog.importCsv") && <RoleHint roles={rolesFor("catalog.importCsv")} />}
    </Card>
  );
}
