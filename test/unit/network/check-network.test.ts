import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNetwork, type NetworkSettings, type TasksBypassPolicy } from '../../../src/network/index.js';
import type { Principal } from '../../../src/shared/index.js';

const base = { tenantId: 't', displayName: 'x' };
const IDENTITIES: Record<string, Principal | null> = {
  anonymous: null,
  user: { ...base, objectId: 'u', type: 'User' },
  servicePrincipal: { ...base, objectId: 'sp', type: 'ServicePrincipal', trustedService: 'tasks' },
  userAssignedTask: {
    ...base,
    objectId: 'ua',
    type: 'ManagedIdentity',
    identityKind: 'UserAssigned',
    trustedService: 'tasks',
  },
  systemAssignedTask: {
    ...base,
    objectId: 'sa',
    type: 'ManagedIdentity',
    identityKind: 'SystemAssigned',
    trustedService: 'tasks',
  },
  systemAssignedImport: {
    ...base,
    objectId: 'im',
    type: 'ManagedIdentity',
    identityKind: 'SystemAssigned',
    trustedService: 'import',
  },
  systemAssignedNoService: { ...base, objectId: 'sn', type: 'ManagedIdentity', identityKind: 'SystemAssigned' },
};
const RULES: Record<string, NetworkSettings['networkRuleSet']['ipRules']> = {
  none: [],
  matching: [
    { action: 'Allow', ipAddressOrRange: '10.1.0.0/16' },
    { action: 'Allow', ipAddressOrRange: '203.0.113.7' },
  ],
  other: [{ action: 'Allow', ipAddressOrRange: '10.2.0.0/16' }],
};
const CLIENT = '::ffff:203.0.113.7';

test('checkNetwork: public access x default action x IP rules x bypass x tasks flag x identity x policy', () => {
  let cases = 0;
  for (const pub of ['Enabled', 'Disabled'])
    for (const def of ['Allow', 'Deny'])
      for (const [ruleName, ipRules] of Object.entries(RULES))
        for (const bypass of ['AzureServices', 'None'])
          for (const tasksFlag of [false, true])
            for (const [idName, principal] of Object.entries(IDENTITIES))
              for (const policy of ['seed', '2025'] as TasksBypassPolicy[]) {
                const s: NetworkSettings = {
                  publicNetworkAccess: pub,
                  networkRuleSet: { defaultAction: def, ipRules },
                  networkRuleBypassOptions: bypass,
                  networkRuleBypassAllowedForTasks: tasksFlag,
                };
                const d = checkNetwork(s, CLIENT, principal, policy);
                const byNetwork = pub === 'Enabled' && (def === 'Allow' || ruleName === 'matching');
                let byBypass = false;
                if (idName === 'systemAssignedImport') byBypass = bypass === 'AzureServices';
                if (idName === 'systemAssignedTask')
                  byBypass = tasksFlag || (policy === 'seed' && bypass === 'AzureServices');
                const label = JSON.stringify({ pub, def, ruleName, bypass, tasksFlag, idName, policy, d });
                assert.equal(d.allowed, byNetwork || byBypass, label);
                if (!byNetwork && byBypass) assert.match(d.reason, /^trusted-service:/, label);
                if (!d.allowed && pub === 'Disabled') assert.match(d.reason, /public-network-access-disabled/, label);
                cases++;
              }
  assert.equal(cases, 2 * 2 * 3 * 2 * 2 * 7 * 2);
});

test('checkNetwork: public access disabled overrides a matching IP rule and default action Allow', () => {
  const s: NetworkSettings = {
    publicNetworkAccess: 'Disabled',
    networkRuleSet: { defaultAction: 'Allow', ipRules: RULES.matching },
    networkRuleBypassOptions: 'None',
    networkRuleBypassAllowedForTasks: false,
  };
  assert.deepEqual(checkNetwork(s, '203.0.113.7', null), {
    allowed: false,
    reason: 'denied:public-network-access-disabled',
  });
});

test('checkNetwork: CIDR edges, single addresses and IPv6 clients', () => {
  const s = (ipRules: NetworkSettings['networkRuleSet']['ipRules']): NetworkSettings => ({
    publicNetworkAccess: 'Enabled',
    networkRuleSet: { defaultAction: 'Deny', ipRules },
    networkRuleBypassOptions: 'AzureServices',
    networkRuleBypassAllowedForTasks: false,
  });
  const r24 = s([{ ipAddressOrRange: '127.0.0.0/30' }]);
  assert.equal(checkNetwork(r24, '127.0.0.0', null).allowed, true);
  assert.equal(checkNetwork(r24, '127.0.0.3', null).allowed, true);
  assert.equal(checkNetwork(r24, '127.0.0.4', null).allowed, false);
  assert.equal(checkNetwork(r24, '::ffff:127.0.0.2', null).allowed, true);
  assert.equal(checkNetwork(r24, '::1', null).allowed, false);
  assert.equal(checkNetwork(s([{ ipAddressOrRange: '0.0.0.0/0' }]), '198.51.100.1', null).allowed, true);
  assert.equal(checkNetwork(s([{ value: '127.0.0.2' }]), '127.0.0.2', null).reason, 'ip-rule:127.0.0.2');
  assert.equal(checkNetwork(s([{ ipAddressOrRange: '127.0.0.2' }]), '127.0.0.20', null).allowed, false);
  assert.equal(checkNetwork(s([{ ipAddressOrRange: 'garbage' }]), '127.0.0.2', null).allowed, false);
});

test('checkNetwork: a user-assigned identity never bypasses, and says why', () => {
  const s: NetworkSettings = {
    publicNetworkAccess: 'Disabled',
    networkRuleSet: { defaultAction: 'Deny', ipRules: [] },
    networkRuleBypassOptions: 'AzureServices',
    networkRuleBypassAllowedForTasks: true,
  };
  const d = checkNetwork(s, '127.0.0.1', IDENTITIES.userAssignedTask);
  assert.equal(d.allowed, false);
  assert.match(d.reason, /requires a system-assigned identity \(got UserAssigned\)/);
});
