import { useState } from "react";
import { usePagedList } from "../../lib/query";
import { ListCount } from "../../lib/ui/ListControls";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, Field, LoadError, Loading, MoreButton, ScreenHeader, Select } from "../../lib/ui";
import { PriceHeading, useStatedBasis } from "../../lib/ui/PriceRows";
import { NextDue } from "./parts";
import { NewGroup } from "./NewGroup";
import { GroupDetail } from "./detail";

export function BillingArea(props: { parts: string[] }) {
  const [id] = props.parts;
  if (id === "new") return <NewGroup />;
  return id ? <GroupDetail key={id} id={id} /> : <GroupsList />;
}

function GroupsList() {
  const s = useSession();
  const basis = useStatedBasis();
  const [status, setStatus] = useState("");
  const list = usePagedList("billingGroups.list", { status: status || undefined, includeTotal: true, limit: "50" });
  return (
    <>
      <ScreenHeader
        title="Billing groups"
        sub="A business customer's subscriptions billed together: one payment and one invoice per billing day."
        actions={
          s.can("billingGroups.create") && (
            <a className="btn btn-primary" href={href("billing", "new")} data-testid="billing-new">
              New billing group
            </a>
          )
        }
      />
      <Card>
        <div className="filters">
          <Field label="Status">
            <Select value={status} onChange={(e) => setStatus(e.target.value)} testId="billing-status-filter">
              <option value="">All groups</option>
              <option value="active">Active</option>
              <option value="inactive">Inactive</option>
            </Select>
          </Field>
        </div>
        <LoadError error={list.error} />
        <ListCount shown={list.items.length} total={list.data?.pages[0]?.total} noun="billing groups" testId="billing-count" />
        {list.isLoading && <Loading what="billing groups" />}
        {!list.isLoading && list.items.length === 0 && <Empty>No billing groups{status ? ` with status ${status}` : ""} yet. A group gathers one business customer's subscriptions into one monthly payment.</Empty>}
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="billing-table">
              <thead>
                <tr>
                  <th>Group</th>
                  <th>Customer</th>
                  <th className="num">Billing day</th>
                  <th className="num">Active subscriptions</th>
                  <th className="num">
                    <PriceHeading label="Monthly total" basis={basis} />
                  </th>
                  <th>Next payment due</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((g) => (
                  <tr key={g.billingGroupId} className="clickable" onClick={() => navigate("billing", g.billingGroupId)} data-testid="billing-group-row">
                    <td>
                      <a className="rowlink" href={href("billing", g.billingGroupId)} onClick={(e) => e.stopPropagation()}>
                        {g.groupName}
                      </a>
                    </td>
                    <td>{g.customerName}</td>
                    <td className="num">{g.billingDay}</td>
                    <td className="num">{g.activeRentalCount}</td>
                    <td className="num">{s.money(g.totalMonthlyAmount)}</td>
                    <td className="small nowrap">
                      <NextDue date={g.nextBillingDate} />
                    </td>
                    <td>
                      <Badge status={g.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      </Card>
    </>
  );
}
