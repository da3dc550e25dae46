import { Command } from 'commander';
import { CliError } from '../errors.js';

/** Every command path (`''`, `'acr'`, `'acr task'`...) with the words that may follow it: subcommands, then options. */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const walk = (cmd: Command, path: string) => {
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
    const flags = cmd.options.map((o) => o.long ?? o.short).filter((f): f is string => Boolean(f));
    table.set(path, [...subs, ...flags, '--help']);
    for (const c of cmd.commands) walk(c, path ? `${path} ${c.name()}` : c.name());
  };
  walk(program, '');
  return table;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A bash completion script (zsh loads it through bashcompinit): completes command paths and their options. */
export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const cases = [...completionTable(program)]
    .map(([path, words]) => `    ${quote(path)}) echo ${quote(words.join(' '))} ;;`)
    .join('\n');
  const bash = `_dockyard_words() {
  case "$1" in
${cases}
    *) return 1 ;;
  esac
}

_dockyard() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if _dockyard_words "\${path:+$path }$w" >/dev/null; then path="\${path:+$path }$w"; fi
  done
  COMPREPLY=($(compgen -W "$(_dockyard_words "$path")" -- "$cur"))
}
complete -F _dockyard dockyard
`;
  if (shell === 'bash')
    return `# dockyard completion for bash: source <(dockyard completion bash), or save it under /etc/bash_completion.d/\n${bash}`;
  return `#compdef dockyard\n# dockyard completion for zsh: source <(dockyard completion zsh) in ~/.zshrc\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}

/** `dockyard completion bash|zsh` prints the shell completion script. */
export function completionCommand(): Command {
  return new Command('completion')
    .description('Print a shell completion script: source <(dockyard completion bash) (or zsh).')
    .argument('<shell>', 'bash | zsh')
    .action((shell: string, _opts: unknown, cmd: Command) => {
      if (shell !== 'bash' && shell !== 'zsh')
        throw new CliError('CliUsage', `unsupported shell '${shell}': use bash or zsh`, 2);
      let root = cmd;
      while (root.parent) root = root.parent;
      process.stdout.write(completionScript(root, shell));
    });
}

/** A command the dockyard executable (src/bin) runs before the CLI is loaded, listed in --help. */
function executableStub(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new CliError(
        'CliUsage',
        `run \`dockyard ${name}\` through the dockyard executable (npx dockyard ${name}${name === 'serve' ? ', or npm start' : ''})`,
        2,
      );
    });
}

/** `dockyard serve`, listed in --help; the entry point (src/bin) runs it before the CLI is loaded. */
export function serveCommandStub(): Command {
  return executableStub(
    'serve',
    'Start the Dockyard server (what `npm start` runs). `dockyard serve --help` lists its options.',
  );
}

/** `dockyard agent` in `dockyard --help`: the build agent runs through the dockyard executable (src/bin). */
export function agentCommandStub(): Command {
  return executableStub('agent', 'Run a build agent of an agent pool (`dockyard agent --help` lists its options).');
}

/** `dockyard backup` / `dockyard restore` in `dockyard --help` (local commands of the executable, docs/deploy.md §5). */
export function backupCommandStubs(): Command[] {
  return [
    executableStub('backup', 'Back up a single-machine install while it runs (`dockyard backup --help`).'),
    executableStub('restore', 'Restore a `dockyard backup` into a new data dir (`dockyard restore --help`).'),
  ];
}
