import { arm, V } from '../api.js';
import { formatBytes } from '../format.js';
import { Show, Table, useLoad } from '../ui.js';
import type { RegistryCtx } from './registry.js';

/** `listUsages` (what `acr show-usage` prints): storage and counts against the SKU's limits. */
export function Usage({ ctx }: { ctx: RegistryCtx }) {
  const load = useLoad(
    () =>
      arm<{ value: Array<{ name: string; limit: number; currentValue: number; unit: string }> }>(
        `${ctx.registry.id}/listUsages`,
        V.registries,
      ),
    [ctx.registry.id],
  );
  return (
    <>
      <h3>Usage</h3>
      <Show load={load}>
        {(d) => (
          <Table
            testid="usage"
            rows={d.value}
            columns={[
              ['Name', (u) => u.name],
              ['Used', (u) => (u.unit === 'Bytes' ? formatBytes(u.currentValue) : u.currentValue)],
              ['Limit', (u) => (u.unit === 'Bytes' ? formatBytes(u.limit) : u.limit)],
            ]}
          />
        )}
      </Show>
    </>
  );
}
