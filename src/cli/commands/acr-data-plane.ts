import type { Command } from 'commander';
import { acrLoginCommand } from './acr-login.js';
import { acrCredentialCommands } from './acr-credential.js';
import { acrRepositoryCommands } from './acr-repository.js';
import { acrManifestCommands } from './acr-manifest.js';
import { acrScopeMapCommands } from './acr-scope-map.js';
import { acrTokenCommands } from './acr-token.js';

/** The registry data-plane command groups under `dockyard acr`. */
export function acrDataPlaneCommands(): Command[] {
  return [
    acrLoginCommand(),
    acrCredentialCommands(),
    acrRepositoryCommands(),
    acrManifestCommands(),
    acrScopeMapCommands(),
    acrTokenCommands(),
  ];
}
