// The build-context packer lives in the shared kernel so the CLI (quick runs) and the engine use one implementation.
export { DockerIgnore, packBuildContext, type BuildContext } from '../../shared/index.js';
