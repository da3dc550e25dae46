/** Parses rendered task YAML into a Task (ACR §1.2, §1.5–1.7), collecting errors and warnings with positions. */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { Reader } from './yaml-reader.js';
import { DEFAULT_STEP_TIMEOUT, parseStep, validateEnv } from './step.js';
import { secretError } from './secrets.js';
import { aliasesEnabledFor, DEFAULT_VERSION, SUPPORTED_VERSIONS } from './preprocess.js';
import type { Network, Secret, Step, Task, TaskFileIssue, Volume } from './types.js';

const TOP_KEYS = [
  'version',
  'stepTimeout',
  'workingDirectory',
  'env',
  'secrets',
  'networks',
  'volumes',
  'alias',
  'steps',
];
const VOLUME_NAME = /^[a-zA-Z0-9-_]+$/;
const FILE_NAME = /^[a-zA-Z0-9-_.]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface ParseResult {
  task: Task | null;
  errors: TaskFileIssue[];
  warnings: TaskFileIssue[];
}

export interface ParseOptions {
  /** Names of values that came from templates (a secret URL rendered later is not checked). */
  templatedSecrets?: boolean;
}

export function parseTaskYaml(text: string, _options: ParseOptions = {}): ParseResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', uniqueKeys: false, prettyErrors: false });
  const r = new Reader(lc);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = lc.linePos(e.pos[0]);
    const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return {
      task: null,
      errors: [
        {
          code: 'TaskFileInvalid',
          message: `yaml: line ${p.line}: ${msg}`,
          line: p.line,
          column: p.col,
          hint: 'check indentation and quoting; values containing ": " or starting with "{" need quotes',
        },
      ],
      warnings: [],
    };
  }
  const root = doc.contents as Node | null;
  if (!isMap(root)) {
    r.error(root, 'the task file must be a YAML map with a steps list', 'start with "version: v1.1.0" and "steps:"');
    return { task: null, errors: r.errors, warnings: r.warnings };
  }
  const e = r.entries(root as YAMLMap, TOP_KEYS, 'task');
  const v = (k: string): Node | null | undefined => e.get(k)?.value;

  const versionRaw = r.str(v('version'), 'version');
  let version = DEFAULT_VERSION;
  if (versionRaw !== undefined) {
    if (!SUPPORTED_VERSIONS.includes(versionRaw.toLowerCase())) {
      r.error(
        v('version'),
        `invalid version specified: "${versionRaw}", the current version is "${DEFAULT_VERSION}"`,
        `use one of ${SUPPORTED_VERSIONS.join(', ')}`,
      );
    } else version = versionRaw;
  }
  if (e.has('alias') && !aliasesEnabledFor(version))
    r.warn(e.get('alias')!.key, 'alias is only processed for version >= v1.1.0', 'set version: v1.1.0');

  const st = r.int(v('stepTimeout'), 'stepTimeout');
  const stepTimeout = st !== undefined && st > 0 ? st : DEFAULT_STEP_TIMEOUT;
  const workingDirectory = r.str(v('workingDirectory'), 'workingDirectory');
  const env = validateEnv(r, v('env'), 'env');
  const secrets = parseSecrets(r, v('secrets'));
  const networks = parseNetworks(r, v('networks'));
  const volumes = parseVolumes(r, v('volumes'));

  const stepsNode = v('steps');
  const steps: Step[] = [];
  if (
    !e.has('steps') ||
    stepsNode === null ||
    stepsNode === undefined ||
    (isScalar(stepsNode) && stepsNode.value === null)
  ) {
    r.error(
      e.get('steps')?.key ?? root,
      'the task file has no steps',
      'add a steps: list with at least one cmd, build, or push step',
    );
  } else if (!isSeq(stepsNode)) {
    r.error(stepsNode, 'steps must be a list', 'each step starts with "- ", e.g. "  - cmd: bash echo hi"');
  } else {
    if (stepsNode.items.length === 0) r.error(stepsNode, 'the task file has no steps');
    (stepsNode.items as Node[]).forEach((n, i) => {
      const s = parseStep(r, n, i, stepTimeout, workingDirectory);
      if (s) steps.push(s);
    });
  }
  const volumeNames = new Set(volumes.map((x) => x.name));
  for (const s of steps) {
    for (const m of s.volumeMounts) {
      if (!volumeNames.has(m.name)) {
        r.errors.push({
          code: 'TaskFileInvalid',
          message: `step ${s.id}: volumeMount ${m.name} does not match any volume`,
          line: s.pos.line,
          column: s.pos.column,
          hint: 'declare it under top-level volumes:',
        });
      }
    }
  }
  const task: Task = {
    version,
    stepTimeout,
    workingDirectory,
    env,
    secrets,
    networks,
    volumes,
    steps,
    aliasesEnabled: aliasesEnabledFor(version),
  };
  return { task, errors: r.errors, warnings: r.warnings };
}

function listOfMaps(r: Reader, node: Node | null | undefined, name: string): YAMLMap[] {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) {
    r.error(node, `${name} must be a list`);
    return [];
  }
  return (node.items as Node[]).filter((i) => {
    if (!isMap(i)) r.error(i, `${name} entries must be maps`);
    return isMap(i);
  }) as YAMLMap[];
}

function parseSecrets(r: Reader, node: Node | null | undefined): Secret[] {
  const out: Secret[] = [];
  for (const m of listOfMaps(r, node, 'secrets')) {
    const e = r.entries(m, ['id', 'keyvault', 'clientID', 'akv'], 'secret');
    const s = {
      id: r.str(e.get('id')?.value, 'id'),
      keyvault: r.str(e.get('keyvault')?.value, 'keyvault') ?? r.str(e.get('akv')?.value, 'akv'),
      clientID: r.str(e.get('clientID')?.value, 'clientID'),
    };
    const err = secretError(s, false);
    if (err) {
      const at = err.includes('client')
        ? e.get('clientID')?.value
        : err.includes('keyvault')
          ? (e.get('keyvault')?.value ?? m)
          : (e.get('id')?.value ?? m);
      r.error(
        at,
        err,
        err.includes('guid') ? 'clientID is the client ID (a GUID) of a user-assigned identity of the task' : undefined,
      );
      continue;
    }
    if (out.some((x) => x.id === s.id)) {
      r.error(e.get('id')?.value, `duplicate secret found with ID: ${s.id}`);
      continue;
    }
    out.push({ id: s.id!, keyvault: s.keyvault, clientID: s.clientID, pos: r.pos(m) });
  }
  return out;
}

function parseNetworks(r: Reader, node: Node | null | undefined): Network[] {
  const out: Network[] = [];
  for (const m of listOfMaps(r, node, 'networks')) {
    const e = r.entries(m, ['name', 'driver', 'ipv6', 'skipCreation', 'isDefault'], 'network');
    const name = r.str(e.get('name')?.value, 'name');
    if (!name) {
      r.error(m, 'network name is required');
      continue;
    }
    if (out.some((n) => n.name === name)) r.error(e.get('name')!.value, `duplicate network name: ${name}`);
    out.push({
      name,
      driver: r.str(e.get('driver')?.value, 'driver'),
      ipv6: r.bool(e.get('ipv6')?.value, 'ipv6') ?? false,
      skipCreation: r.bool(e.get('skipCreation')?.value, 'skipCreation') ?? false,
      isDefault: r.bool(e.get('isDefault')?.value, 'isDefault') ?? false,
    });
  }
  return out;
}

function parseVolumes(r: Reader, node: Node | null | undefined): Volume[] {
  const out: Volume[] = [];
  for (const m of listOfMaps(r, node, 'volumes')) {
    const e = r.entries(m, ['name', 'secret'], 'volume');
    const name = r.str(e.get('name')?.value, 'name');
    if (!name || !VOLUME_NAME.test(name)) {
      r.error(e.get('name')?.value ?? m, `invalid volume name "${name ?? ''}": must match ^[a-zA-Z0-9-_]+$`);
      continue;
    }
    if (out.some((x) => x.name === name)) {
      r.error(e.get('name')!.value, `duplicate volume name: ${name}`);
      continue;
    }
    const secretNode = e.get('secret')?.value;
    const secret: Record<string, string> = {};
    if (!isMap(secretNode)) r.error(secretNode ?? m, `volume ${name} needs a secret map of fileName: base64Value`);
    else {
      for (const p of (secretNode as YAMLMap).items) {
        const file = isScalar(p.key) ? String(p.key.value) : '';
        const val = r.str(p.value as Node, file) ?? '';
        if (!FILE_NAME.test(file))
          r.error(p.key, `invalid secret file name "${file}" in volume ${name}: must match ^[a-zA-Z0-9-_.]+$`);
        else if (!BASE64.test(val))
          r.error(p.value, `secret ${file} in volume ${name} must be base64-encoded`, 'use {{ .Secrets.x | b64enc }}');
        else secret[file] = val;
      }
    }
    out.push({ name, secret });
  }
  return out;
}
