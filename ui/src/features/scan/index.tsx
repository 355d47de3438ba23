import { useCallback, useEffect, useRef, useState } from "react";
import { call, toAppError, type AppError } from "../../lib/api/client";
import type { ActivateInput } from "../../lib/api/bindings/ActivateInput";
import type { Order } from "../../lib/api/bindings/Order";
import { rolesFor } from "../../lib/access";
import { deskNowMs, formatDate, formatDateTime, months } from "../../lib/format";
import { useCommand, useInvalidateAfter } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useBu, useSession } from "../../lib/session";
import { beepOk, buzzError, primeAudio } from "../../lib/sound";
import { Badge, Card, Empty, Input, LoadError, Loading, RoleHint, ScreenHeader, Select } from "../../lib/ui";
import { useScanner } from "../../lib/useScanner";
import { ScanPanel } from "../../lib/ui/ScanPanel";
import "./scan.css";

type Outcome = "pending" | "activated" | "sku_mismatch" | "not_available" | "full" | "not_found" | "error";

interface ScanLine {
  id: number;
  serial: string;
  orderNumber: string;
  at: string;
  outcome: Outcome;
  message: string;
  /** The subscription an activation started (to open it, e.g. to void a wrong scan). */
  rentalId?: string;
}

const LABELS: Record<Outcome, string> = {
  pending: "checking",
  activated: "activated",
  sku_mismatch: "wrong SKU",
  not_available: "not available",
  full: "order full",
  not_found: "unknown serial",
  error: "refused",
};

/** How an activation failure is filed in the log (by the core's error code; its sentence is the text). */
function outcomeOf(e: AppError): Outcome {
  switch (e.code) {
    case "SKU_MISMATCH":
      return "sku_mismatch";
    case "ASSET_NOT_AVAILABLE":
    case "ASSET_IN_USE":
      return "not_available";
    case "ITEM_FULLY_FULFILLED":
      return "full";
    case "ASSET_NOT_FOUND":
      return "not_found";
    default:
      return "error";
  }
}

function loadLog(key: string): ScanLine[] {
  try {
    const raw = sessionStorage.getItem(key);
    const list = raw ? (JSON.parse(raw) as ScanLine[]) : [];
    return list.map((x) => (x.outcome === "pending" ? { ...x, outcome: "error", message: "Interrupted before the answer came; retry it." } : x));
  } catch {
    return [];
  }
}

/** An order number or id as typed or scanned: numbers are upper case, ids stay as they are. */
function orderRef(raw: string): string {
  const t = raw.trim();
  return t.startsWith("ord_") ? t : t.toUpperCase();
}

export function ScanStation(props: { parts: string[] }) {
  const s = useSession();
  const bu = useBu();
  const invalidateAfter = useInvalidateAfter();
  const ref = props.parts[0] ? orderRef(props.parts[0]) : "";
  const allowed = s.can("subscriptions.activate");
  const order = useCommand("orders.get", { id: ref }, { enabled: !!ref });
  const o = order.data;

  const logKey = `flexdesk.scan.${s.user.id}.${bu.id}`;
  const [log, setLog] = useState<ScanLine[]>(() => loadLog(logKey));
  const [filter, setFilter] = useState<"all" | "failed">("all");
  const [orderInput, setOrderInput] = useState("");
  const [live, setLive] = useState<{ orderNumber: string; rented: number; total: number } | null>(null);
  const nextId = useRef(log.reduce((m, x) => Math.max(m, x.id), 0) + 1);
  const queue = useRef<Promise<void>>(Promise.resolve());

  useEffect(() => {
    try {
      sessionStorage.setItem(logKey, JSON.stringify(log.slice(0, 2000)));
    } catch {
      /* the log stays on screen */
    }
  }, [log, logKey]);

  // The order the next scan goes to (read when the scan is sent).
  const target = useRef({ ref, number: o?.orderNumber ?? ref });
  target.current = { ref: o?.orderId ?? ref, number: o?.orderNumber ?? ref };

  const update = (id: number, patch: Partial<ScanLine>) => setLog((l) => l.map((x) => (x.id === id ? { ...x, ...patch } : x)));

  const pickOrder = useCallback((raw: string) => {
    const r = orderRef(raw);
    if (!r) return;
    setLive(null);
    navigate("scan", r);
  }, []);

  /** Activate one serial on the chosen order; scans are sent one after another, in the order read. */
  const submit = useCallback(
    (raw: string, reuseId?: number) => {
      const serial = raw.trim().toUpperCase();
      if (!serial) return;
      const t = target.current;
      const id = reuseId ?? nextId.current++;
      const row: ScanLine = { id, serial, orderNumber: t.number, at: new Date(deskNowMs()).toISOString(), outcome: "pending", message: "Checking…" };
      setLog((l) => (reuseId ? [row, ...l.filter((x) => x.id !== reuseId)] : [row, ...l]));
      if (!t.ref) {
        buzzError();
        update(id, { outcome: "error", message: "Choose the order first (scan or type its number), then retry this line." });
        return;
      }
      queue.current = queue.current.then(async () => {
        try {
          const req: ActivateInput = { orderId: t.ref, assetSerialNumber: serial };
          const a = await call("subscriptions.activate", req);
          beepOk();
          update(id, { outcome: "activated", serial: a.rental.assetSerialNumber, orderNumber: a.orderNumber, message: a.message, rentalId: a.rental.rentalId });
          setLive({ orderNumber: a.orderNumber, rented: a.rentedDevices, total: a.totalDevices });
          invalidateAfter("subscriptions.activate");
        } catch (e) {
          const err = toAppError(e);
          buzzError();
          update(id, { outcome: outcomeOf(err), message: err.message });
        }
      });
    },
    [invalidateAfter],
  );

  const orderPattern = new RegExp(`^${bu.code}-[A-Z0-9]+-\\d{4,}$`, "i");
  const buffer = useScanner(
    allowed,
    (code) => {
      primeAudio();
      const c = code.trim();
      // An order slip scanned at any time switches to that order; everything else is a serial.
      if (!ref || orderPattern.test(c)) pickOrder(c);
      else submit(c);
    },
    { inFields: true },
  );

  const progress = o
    ? {
        rented: live && live.orderNumber === o.orderNumber ? Math.max(live.rented, o.rentalProgress.rentedDevices) : o.rentalProgress.rentedDevices,
        total: o.rentalProgress.totalDevices,
      }
    : null;
  const complete = !!progress && progress.total > 0 && progress.rented >= progress.total;
  const failed = log.filter((x) => x.outcome !== "activated" && x.outcome !== "pending");
  const shown = filter === "failed" ? failed : log;
  const listening = allowed && !!ref && !!o;
  const mayVoid = s.can("subscriptions.void");
  /** A wrong serial activated by mistake: its subscription page offers to void it (the same day). */
  const undo = (x: ScanLine, testId?: string) =>
    mayVoid && x.outcome === "activated" && x.rentalId ? (
      <a className="btn btn-small" href={href("subscriptions", x.rentalId)} title="Open the subscription to void this activation (the same business day only)" data-testid={testId}>
        Undo (void)…
      </a>
    ) : undefined;

  return (
    <div className="scan-station">
      <ScreenHeader
        title="Scan station"
        sub="Pick an order, then scan each device's serial number; every scan is activated at once."
        actions={
          progress && (
            <div className={`intake-counter ${complete ? "complete" : ""}`} aria-live="polite">
              <span className="intake-count" data-testid="scan-order-progress">
                {progress.rented} / {progress.total}
              </span>
              <span className="muted">devices out</span>
            </div>
          )
        }
      />
      {!allowed && (
        <div className="load-error">
          {s.user.name} works as {s.user.role}; activating devices needs {rolesFor("subscriptions.activate")}.
        </div>
      )}
      <div className="grid-2 intake-grid">
        <Card
          title={o ? <>Order <span className="mono">{o.orderNumber}</span></> : "Order"}
          actions={
            ref && (
              <a className="btn btn-small" href={href("scan")} data-testid="scan-change-order">
                Other order
              </a>
            )
          }
        >
          <form
            className="row gap"
            onSubmit={(e) => {
              e.preventDefault();
              pickOrder(orderInput);
              setOrderInput("");
              (document.activeElement as HTMLElement | null)?.blur();
            }}
          >
            <Input
              className="grow mono"
              value={orderInput}
              onChange={(e) => setOrderInput(e.target.value)}
              placeholder={`Order number, e.g. ${bu.code}-${s.boot.desk.code}-000042`}
              aria-label="Order number"
              testId="scan-order-input"
              data-scan-field
              autoFocus={!ref}
            />
            <button className="btn" disabled={!orderInput.trim()}>
              Open
            </button>
          </form>
          {ref && order.isLoading && <Loading what="the order" />}
          {ref && <LoadError error={order.error} />}
          {o && <OrderProgress order={o} complete={complete} />}
          {!ref && <OpenOrders onPick={pickOrder} />}
        </Card>
        <Card title="Scan">
          <ScanPanel
            listening={listening}
            state={!allowed ? "Scanning is off" : !ref ? "Scan an order number, or pick an order" : !o ? "Opening the order…" : complete ? "Order complete — scan the next order" : "Ready — scan a serial number"}
            buffer={buffer}
            last={log[0] && { ...log[0], label: LABELS[log[0].outcome] }}
            lastTestId="scan-last"
            lastActions={log[0] && undo(log[0], "scan-undo")}
            disabled={!allowed || !ref}
            inputTestId="scan-serial-input"
            buttonLabel="Activate"
            onSubmit={submit}
          />
          {!allowed && <RoleHint roles={rolesFor("subscriptions.activate")} />}
        </Card>
      </div>

      <Card
        title={`Scans (${log.length})`}
        actions={
          <>
            <Select value={filter} onChange={(e) => setFilter(e.target.value as "all" | "failed")} aria-label="Show">
              <option value="all">All lines</option>
              <option value="failed">Only problems ({failed.length})</option>
            </Select>
            <button
              className="btn btn-ghost"
              disabled={log.length === 0}
              onClick={() => {
                if (failed.length === 0 || window.confirm(`${failed.length} lines had problems. Clear the log anyway?`)) setLog([]);
              }}
            >
              Clear log
            </button>
          </>
        }
      >
        <ol className="intake-log" data-testid="scan-log">
          {shown.map((x) => (
            <li key={x.id} className={`intake-row outcome-${x.outcome}`} data-testid="scan-row" data-outcome={x.outcome}>
              <Badge status={x.outcome} label={LABELS[x.outcome]} />
              <span className="intake-serial mono">{x.serial}</span>
              <span className="intake-message">{x.message}</span>
              <span className="intake-meta muted small">
                <span className="mono">{x.orderNumber || "no order"}</span> · {formatDateTime(x.at)}
              </span>
              <span className="intake-actions">
                {x.outcome !== "activated" && x.outcome !== "pending" && (
                  <button className="btn btn-small" disabled={!allowed || !ref} onClick={() => submit(x.serial, x.id)} title="Send again to the order shown above">
                    Retry
                  </button>
                )}
                {undo(x)}
              </span>
            </li>
          ))}
        </ol>
        {shown.length === 0 && <div className="empty">{log.length === 0 ? "No scans yet. Pick an order and scan its devices." : "No problems in this session."}</div>}
      </Card>
    </div>
  );
}

function OrderProgress(props: { order: Order; complete: boolean }) {
  const o = props.order;
  return (
    <div className="scan-order" data-testid="scan-order">
      <div className="row gap wrap">
        <Badge status={o.status} testId="scan-order-status" />
        <a href={href("customers", o.customer.customerId)}>
          {o.customer.firstName} {o.customer.lastName}
        </a>
        {o.customer.company && <span className="muted">{o.customer.company}</span>}
        <span className="grow" />
        <a className="small" href={href("orders", o.orderId)}>
          Open order
        </a>
        <a className="small" href={`${href("subscriptions")}?order=${encodeURIComponent(o.orderId)}`}>
          Its subscriptions
        </a>
      </div>
      {o.status === "pending" && <div className="load-error">This order is not confirmed yet; confirm it at the counter before handing out devices.</div>}
      {o.status === "cancelled" && <div className="load-error">This order was cancelled.</div>}
      {props.complete && <div className="scan-done">Every device of this order is out.</div>}
      <table className="table middle scan-items">
        <thead>
          <tr>
            <th>Device</th>
            <th>Term</th>
            <th className="num">Out</th>
          </tr>
        </thead>
        <tbody>
          {o.items.map((i, n) => (
            <tr key={n} data-testid="scan-item" className={i.rentalIds.length >= i.quantity ? "done" : ""}>
              <td>
                {i.productName}
                <div className="mono muted small">{i.sku}</div>
              </td>
              <td className="nowrap">{months(i.contractLength)}</td>
              <td className="num">
                <span className="scan-item-count">
                  {i.rentalIds.length} / {i.quantity}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Confirmed and partly handed-out orders, oldest first: the warehouse's work list. */
function OpenOrders(props: { onPick(ref: string): void }) {
  const s = useSession();
  const confirmed = useCommand("orders.list", { status: "confirmed", sortDir: "asc", limit: "50" });
  const partial = useCommand("orders.list", { status: "partial", sortDir: "asc", limit: "50" });
  const list = [...(partial.data?.items ?? []), ...(confirmed.data?.items ?? [])];
  return (
    <div className="spaced">
      <h3 className="section-title">Orders to fulfil</h3>
      <LoadError error={confirmed.error ?? partial.error} />
      {(confirmed.isLoading || partial.isLoading) && <Loading what="orders" />}
      {confirmed.isSuccess && partial.isSuccess && list.length === 0 && <Empty>No confirmed orders are waiting for devices.</Empty>}
      {list.length > 0 && (
        <div className="table-wrap scan-orders">
          <table className="table middle">
            <thead>
              <tr>
                <th>Number</th>
                <th>Customer</th>
                <th className="num">Out</th>
                <th>Placed</th>
              </tr>
            </thead>
            <tbody>
              {list.map((o) => (
                <tr key={o.orderId} className="clickable" onClick={() => props.onPick(o.orderNumber)} data-testid="scan-order-choice">
                  <td>
                    <a className="rowlink mono" href={href("scan", o.orderNumber)} onClick={(e) => e.stopPropagation()}>
                      {o.orderNumber}
                    </a>
                  </td>
                  <td>
                    {o.customer.firstName} {o.customer.lastName}
                    <div className="muted small">{o.items.map((i) => `${i.quantity}× ${i.productName}`).join(", ")}</div>
                  </td>
                  <td className="num">
                    {o.rentalProgress.rentedDevices} / {o.rentalProgress.totalDevices}
                  </td>
                  <td className="small nowrap">{formatDate(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {s.can("orders.confirm") && <p className="muted small">Pending orders appear here once they are confirmed.</p>}
    </div>
  );
}
