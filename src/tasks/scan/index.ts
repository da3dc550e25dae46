export {
  parseImageReference,
  normaliseImageReference,
  InvalidReferenceError,
  DOCKER_HUB,
  type ImageReference,
  type ImageRecord,
  type NormaliseOptions,
  type ReferenceResolver,
} from './image-reference.js';
export {
  scanDockerfile,
  expandArgs,
  DockerfileScanError,
  type ScanOptions,
  type DependencyScan,
  type StageInfo,
} from './dockerfile-deps.js';
