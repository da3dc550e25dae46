export type {
  BuildOptions,
  BuildResult,
  ContainerEngine,
  ImageInfo,
  OnOutput,
  OutputStream,
  PullOptions,
  PushAuth,
  PushOptions,
  PushResult,
  RegistryCredential,
  RunMount,
  RunOptions,
  RunResult,
  VolumeFile,
} from './container-engine.js';
export { DockerEngine, createDockerEngine, type DockerEngineOptions } from './docker-engine.js';
export {
  startDockerd,
  pingSocket,
  defaultExecRoot,
  subordinateRoot,
  REMAP_USER,
  type DockerdHandle,
  type DockerdOptions,
  type EngineUserns,
  type RemapRoot,
  type StorageDriver,
} from './dockerd.js';
export { FakeEngine, type FakeCall, type FakeRunBehaviour, type FakeRunHandler } from './fake-engine.js';
export { parseImageRef, splitRepoTag, registryHostOf, repoDigestFor, type ImageRef } from './image-ref.js';
export { DockerIgnore, packBuildContext } from './build-context.js';
export { humanSize, renderJsonMessage } from './json-message.js';
export { unmountUnder } from './host-mounts.js';
