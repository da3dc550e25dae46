import { Command } from 'commander';
import { leaf, parseBool, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { RegistrySession } from '../acr-auth.js';
import { CliError } from '../errors.js';

type Json = Record<string, unknown>;

export async function sessionFor(ctx: CommandContext, registryName: string): Promise<RegistrySession> {
  const reg = await findRegistry(ctx.client(), registryName, undefined, ctx.opts.subscription);
  return new RegistrySession(ctx.client(), String(reg.loginServer));
}

export function orderbyParam(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (v === 'time_desc') return 'timedesc';
  if (v === 'time_asc') return 'timeasc';
  throw new CliError(
    'CliUsage',
    `argument --orderby: invalid choice: '${String(v)}' (choose from 'time_asc', 'time_desc')`,
    2,
  );
}

/** Splits `repo:tag` / `repo@sha256:...`. */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  if (at > 0) return { repository: image.slice(0, at), digest: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  if (colon > 0 && !image.slice(colon).includes('/'))
    return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image };
}

const top = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

/** Every manifest (or the first `top`), following the `Link` header page by page as az does (pages of 100). */
export async function listManifests(s: RegistrySession, repo: string, orderby?: string, top?: number): Promise<Json[]> {
  const q = new URLSearchParams();
  if (orderby) q.set('orderby', orderby);
  q.set('n', String(top === undefined ? 100 : Math.max(0, Math.min(top, 100))));
  const out: Json[] = [];
  let path: string | undefined = `/acr/v1/${repo}/_manifests?${q}`;
  while (path && (top === undefined || out.length < top)) {
    const r: { body: { manifests: Json[] }; next?: string } = await s.requestWithLink<{ manifests: Json[] }>(path, [
      `repository:${repo}:metadata_read`,
    ]);
    out.push(...r.body.manifests);
    path = r.next;
  }
  return top === undefined ? out : out.slice(0, top);
}

/** `dockyard acr repository list|show|show-tags|show-manifests|delete|untag`. */
export function acrRepositoryCommands(): Command {
  const repo = new Command('repository').description(
    'Manage repositories (image names) for Azure Container Registries.',
  );
  const common = (c: Command) =>
    c
      .option('-n, --name <name>', 'The name of the container registry')
      .option('--top <n>')
      .option('--orderby <order>', 'time_asc or time_desc');

  leaf(common(repo.command('list').description('List repositories in an Azure Container Registry.')), async (ctx) => {
    const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
    const q = new URLSearchParams();
    if (ctx.opts.top !== undefined) q.set('n', String(top(ctx.opts.top)));
    const r = await s.request<{ repositories: string[] }>(`/acr/v1/_catalog?${q}`, ['registry:catalog:*']);
    return r.repositories;
  });

  leaf(
    common(repo.command('show-tags').description('Show tags for a repository.'))
      .option('--repository <repo>')
      .option('--detail', 'Show detailed information'),
    async (ctx) => {
      const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
      const r = requireOpt(ctx.opts, 'repository', '--repository');
      const q = new URLSearchParams();
      const o = orderbyParam(ctx.opts.orderby);
      if (o) q.set('orderby', o);
      if (ctx.opts.top !== undefined) q.set('n', String(top(ctx.opts.top)));
      const res = await s.request<{ tags: Json[] }>(`/acr/v1/${r}/_tags?${q}`, [`repository:${r}:metadata_read`]);
      return ctx.opts.detail ? res.tags : res.tags.map((t) => t.name);
    },
  );

  leaf(
    common(repo.command('show-manifests').description('Show manifests of a repository.'))
      .option('--repository <repo>')
      .option('--detail', 'Show detailed information'),
    async (ctx) => {
      const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
      const r = requireOpt(ctx.opts, 'repository', '--repository');
      const ms = await listManifests(s, r, orderbyParam(ctx.opts.orderby), top(ctx.opts.top));
      return ctx.opts.detail ? ms : ms.map((m) => ({ digest: m.digest, tags: m.tags, timestamp: m.lastUpdateTime }));
    },
  );

  leaf(
    repo
      .command('show')
      .description('Get the attributes of a repository or image.')
      .option('-n, --name <name>')
      .option('--repository <repo>')
      .option('--image <image>'),
    async (ctx) => {
      const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
      if (ctx.opts.image) {
        const img = parseImage(String(ctx.opts.image));
        const scope = [`repository:${img.repository}:metadata_read`];
        if (img.digest)
          return (await s.request<{ manifest: Json }>(`/acr/v1/${img.repository}/_manifests/${img.digest}`, scope))
            .manifest;
        return (await s.request<{ tag: Json }>(`/acr/v1/${img.repository}/_tags/${img.tag ?? 'latest'}`, scope)).tag;
      }
      const r = requireOpt(ctx.opts, 'repository', '--repository');
      return s.request(`/acr/v1/${r}`, [`repository:${r}:metadata_read`]);
    },
  );

  leaf(
    repo
      .command('update')
      .description(
        'Update the attributes (locks) of a repository or image: --write-enabled false locks it against overwrite and delete.',
      )
      .option('-n, --name <name>')
      .option('--repository <repo>')
      .option('--image <image>', 'repo:tag or repo@sha256:... (a bare repo means repo:latest)')
      .option('--delete-enabled <bool>', 'Whether it can be deleted')
      .option('--write-enabled <bool>', 'Whether it can be overwritten or deleted')
      .option('--list-enabled <bool>', 'Whether it is shown in listings')
      .option('--read-enabled <bool>', 'Whether it can be pulled'),
    async (ctx) => {
      const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
      const body: Json = {};
      for (const [opt, key, flag] of [
        ['deleteEnabled', 'deleteEnabled', '--delete-enabled'],
        ['writeEnabled', 'writeEnabled', '--write-enabled'],
        ['listEnabled', 'listEnabled', '--list-enabled'],
        ['readEnabled', 'readEnabled', '--read-enabled'],
      ] as const) {
        const v = parseBool(ctx.opts[opt] as string | undefined, flag);
        if (v !== undefined) body[key] = v;
      }
      let path: string;
      let repository: string;
      let pick: (r: Json) => unknown = (r) => r;
      if (ctx.opts.image) {
        const img = parseImage(String(ctx.opts.image));
        repository = img.repository;
        path = img.digest
          ? `/acr/v1/${repository}/_manifests/${img.digest}`
          : `/acr/v1/${repository}/_tags/${img.tag ?? 'latest'}`;
        pick = (r) => (img.digest ? r.manifest : r.tag);
      } else {
        repository = requireOpt(ctx.opts, 'repository', '--repository');
        path = `/acr/v1/${repository}`;
      }
      if (!Object.keys(body).length) return pick(await s.request(path, [`repository:${repository}:metadata_read`]));
      await s.request(path, [`repository:${repository}:metadata_write,metadata_read`], { method: 'PATCH', body });
      return pick(await s.request(path, [`repository:${repository}:metadata_read`]));
    },
  );

  leaf(
    repo
      .command('delete')
      .description('Delete a repository or image.')
      .option('-n, --name <name>')
      .option('--repository <repo>')
      .option('--image <image>')
      .option('-y, --yes', 'Do not prompt for confirmation'),
    async (ctx) => {
      const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
      if (ctx.opts.image) {
        const img = parseImage(String(ctx.opts.image));
        let digest = img.digest;
        if (!digest) {
          const t = await s.request<{ tag: Json }>(`/acr/v1/${img.repository}/_tags/${img.tag ?? 'latest'}`, [
            `repository:${img.repository}:metadata_read`,
          ]);
          digest = String(t.tag.digest);
        }
        await s.request(`/v2/${img.repository}/manifests/${digest}`, [`repository:${img.repository}:delete`], {
          method: 'DELETE',
        });
        return undefined;
      }
      const r = requireOpt(ctx.opts, 'repository', '--repository');
      await s.request(`/acr/v1/${r}`, [`repository:${r}:delete`], { method: 'DELETE' });
      return undefined;
    },
  );

  leaf(
    repo.command('untag').description('Untag an image.').option('-n, --name <name>').option('--image <image>'),
    async (ctx) => {
      const s = await sessionFor(ctx, requireOpt(ctx.opts, 'name', '--name/-n'));
      const img = parseImage(requireOpt(ctx.opts, 'image', '--image'));
      if (!img.tag) throw new CliError('CliUsage', "argument --image: expected the format 'repository:tag'", 2);
      await s.request(`/acr/v1/${img.repository}/_tags/${img.tag}`, [`repository:${img.repository}:delete`], {
        method: 'DELETE',
      });
      return undefined;
    },
  );
  return repo;
}
