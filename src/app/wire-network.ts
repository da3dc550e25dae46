import type { DockyardConfig } from '../config/index.js';
import type { Logger } from '../shared/index.js';
import type { Registries, RegistryRow } from '../arm/index.js';
import type { RegistryAccessPort } from '../registry/index.js';
import { checkNetwork, clientAddress, type NetworkSettings } from '../network/index.js';

/** A registry row's network properties in the shape `checkNetwork` takes. */
const RULE_SETS = new Map<string, NetworkSettings['networkRuleSet']>();
/** The parsed rule set, shared while the stored JSON is unchanged (so compiled CIDR ranges are reused). */
function ruleSet(json: string): NetworkSettings['networkRuleSet'] {
  let r = RULE_SETS.get(json);
  if (!r) {
    if (RULE_SETS.size > 1000) RULE_SETS.clear();
    r = JSON.parse(json) as NetworkSettings['networkRuleSet'];
    RULE_SETS.set(json, r);
  }
  return r;
}

export function networkSettingsOf(r: RegistryRow): NetworkSettings {
  return {
    publicNetworkAccess: r.public_network_access,
    networkRuleSet: ruleSet(r.network_rule_set),
    networkRuleBypassOptions: r.network_rule_bypass_options,
    networkRuleBypassAllowedForTasks: r.network_rule_bypass_allowed_for_tasks === 1,
  };
}

/**
 * Adds network-rule enforcement to the registry's access port: `checkNetwork` reads the registry's current
 * properties (changes apply to the next request) and logs every decision that blocks or bypasses with its reason;
 * `clientAddress` is the socket peer unless the peer is a configured trusted proxy, or the browser's address when the
 * dashboard proxy relays with `relayKey`. docs/designs/network-rules.md.
 */
export function withNetworkRules(
  access: RegistryAccessPort,
  deps: {
    registries: Pick<Registries, 'current'>;
    config: Pick<DockyardConfig, 'trustedProxies' | 'tasksNetworkBypass'>;
    log: Logger;
    relayKey?: Buffer;
  },
): RegistryAccessPort {
  const log = deps.log.child({ module: 'network' });
  const proxies = deps.config.trustedProxies;
  return {
    ...access,
    clientAddress: (peer, headers) => clientAddress(peer, headers, proxies, deps.relayKey),
    async checkNetwork(registry, clientIp, principal) {
      const row = await deps.registries.current(registry.name);
      if (!row) return { allowed: false, reason: 'denied:registry-not-found' };
      const d = checkNetwork(networkSettingsOf(row), clientIp, principal, deps.config.tasksNetworkBypass);
      const fields = {
        registry: registry.name,
        clientIp,
        principal: principal?.objectId ?? null,
        identityKind: principal?.identityKind ?? null,
        trustedService: principal?.trustedService ?? null,
        reason: d.reason,
      };
      if (!d.allowed)
        log.info(fields, principal ? 'network rules denied the request' : 'network rules block this address');
      else if (d.reason.startsWith('trusted-service')) log.info(fields, 'trusted service bypassed network rules');
      else log.debug(fields, 'network rules allow the request');
      return d;
    },
  };
}
