import { arm, V } from '../api.js';
import { DeleteButton } from '../form.js';
import { navigate } from '../router.js';
import { RegistryForm, registryFields } from './registry-form.js';
import type { RegistryCtx } from './registry.js';

const REG_WRITE = 'Microsoft.ContainerRegistry/registries/write';
const REG_DELETE = 'Microsoft.ContainerRegistry/registries/delete';

/** Edit and delete a registry, for callers RBAC allows (the API refuses anyway). */
export function RegistryActions({ ctx, reload }: { ctx: RegistryCtx; reload: () => void }) {
  return (
    <div class="toolbar">
      {ctx.can[REG_WRITE] ? (
        <RegistryForm groups={[ctx.rg]} initial={registryFields(ctx.registry)} onDone={reload} />
      ) : null}
      {ctx.can[REG_DELETE] ? (
        <DeleteButton
          what={`registry ${ctx.name} with its images`}
          testid="delete-registry"
          onDelete={async () => {
            await arm(ctx.registry.id, V.registries, { method: 'DELETE' });
            navigate();
          }}
        />
      ) : null}
    </div>
  );
}
