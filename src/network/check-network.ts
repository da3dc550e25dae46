import type { Principal } from '../shared/index.js';
import { ipv4ToNumber, parseCidr, type CidrRange } from './ip-address.js';

/** A registry's network properties, as stored by the control plane (acr-reference.md §7). */
export interface NetworkSettings {
  publicNetworkAccess: 'Enabled' | 'Disabled' | string;
  networkRuleSet: {
    defaultAction: 'Allow' | 'Deny' | string;
    ipRules: Array<{ ipAddressOrRange?: string; value?: string; action?: string }>;
  };
  networkRuleBypassOptions: 'AzureServices' | 'None' | string;
  networkRuleBypassAllowedForTasks: boolean;
}

/**
 * How task runs are treated (docs/designs/network-rules.md):
 * - `seed` (default): ACR Tasks is a trusted service (seed 001): a task's system-assigned identity bypasses when
 *   `networkRuleBypassOptions` is `AzureServices`, or when `networkRuleBypassAllowedForTasks` is true.
 * - `2025`: the June 2025 behaviour: tasks bypass only when `networkRuleBypassAllowedForTasks` is true.
 */
export type TasksBypassPolicy = 'seed' | '2025';

export interface NetworkDecision {
  allowed: boolean;
  /** Machine-readable reason: `public-network-enabled`, `ip-rule:<range>`, `trusted-service:<svc>`, `denied:...`. */
  reason: string;
}

/**
 * The firewall decision for one request. Pure. Order: public access disabled overrides every IP rule; with public
 * access enabled the default action `Allow` admits everyone, `Deny` admits only addresses inside an IP rule. A request
 * the rules block passes only as a trusted service: a principal whose token was issued to a **system-assigned** managed
 * identity acting for a trusted Dockyard service (`trustedService`), while the registry allows it (see TasksBypassPolicy).
 * User-assigned identities, service principals, users and anonymous callers never bypass.
 */
export function checkNetwork(
  settings: NetworkSettings,
  clientIp: string,
  principal: Principal | null,
  tasksPolicy: TasksBypassPolicy = 'seed',
): NetworkDecision {
  const blocked = networkOnly(settings, clientIp);
  if (blocked.allowed) return blocked;
  if (!principal) return blocked;
  const bypass = trustedBypass(settings, principal, tasksPolicy);
  if (bypass.allowed) return bypass;
  return { allowed: false, reason: `${blocked.reason}; ${bypass.reason}` };
}

/** The decision from public access + IP rules alone (what an anonymous caller gets). */
export function networkOnly(settings: NetworkSettings, clientIp: string): NetworkDecision {
  if (String(settings.publicNetworkAccess).toLowerCase() === 'disabled')
    return { allowed: false, reason: 'denied:public-network-access-disabled' };
  if (String(settings.networkRuleSet.defaultAction).toLowerCase() !== 'deny')
    return { allowed: true, reason: 'public-network-enabled' };
  const ip = ipv4ToNumber(clientIp);
  if (ip !== undefined) {
    for (const { value, range } of compiled(settings.networkRuleSet.ipRules)) {
      if ((ip & range.mask) >>> 0 === range.base) return { allowed: true, reason: `ip-rule:${value}` };
    }
  }
  return { allowed: false, reason: 'denied:no-matching-ip-rule' };
}

/** Parsed ranges per rule array (callers that reuse the array, like wire-network's cache, parse once). */
const COMPILED = new WeakMap<object, Array<{ value: string; range: CidrRange }>>();
function compiled(rules: NetworkSettings['networkRuleSet']['ipRules']): Array<{ value: string; range: CidrRange }> {
  let c = COMPILED.get(rules);
  if (!c) {
    c = [];
    for (const rule of rules) {
      const value = rule.ipAddressOrRange ?? rule.value ?? '';
      const range = parseCidr(value);
      if (range) c.push({ value, range });
    }
    COMPILED.set(rules, c);
  }
  return c;
}

function trustedBypass(s: NetworkSettings, p: Principal, tasksPolicy: TasksBypassPolicy): NetworkDecision {
  if (!p.trustedService) return { allowed: false, reason: 'not-a-trusted-service' };
  if (p.type !== 'ManagedIdentity' || p.identityKind !== 'SystemAssigned') {
    return {
      allowed: false,
      reason: `trusted-service:${p.trustedService} requires a system-assigned identity (got ${p.identityKind ?? p.type})`,
    };
  }
  const azureServices = String(s.networkRuleBypassOptions).toLowerCase() === 'azureservices';
  if (p.trustedService === 'tasks') {
    const ok = s.networkRuleBypassAllowedForTasks || (tasksPolicy === 'seed' && azureServices);
    return ok
      ? {
          allowed: true,
          reason: `trusted-service:tasks (${s.networkRuleBypassAllowedForTasks ? 'networkRuleBypassAllowedForTasks' : 'AzureServices'})`,
        }
      : {
          allowed: false,
          reason: tasksPolicy === 'seed' ? 'trusted-services-not-allowed' : 'tasks-bypass-not-allowed',
        };
  }
  return azureServices
    ? { allowed: true, reason: `trusted-service:${p.trustedService}` }
    : { allowed: false, reason: 'trusted-services-not-allowed' };
}
