export {
  ensureLibraryImages,
  exportLibraryImage,
  pushLibraryImage,
  type LibraryImageResult,
  type LibraryOptions,
} from './library.js';
export {
  LIBRARY_IMAGES,
  HELLO_MESSAGE,
  DEFAULT_SOURCES,
  type LibraryImageName,
  type LibrarySources,
} from './definitions.js';
export { describeImage, writeImageArchive, type ImageDescriptor, type ImageConfigInput } from './image-archive.js';
export { LayerBuilder, sharedLibraries, type WrittenLayer } from './layer-builder.js';
export { runtimePackages } from './cli-bundle.js';
export { startEngineWithLibrary, type EngineBootstrapOptions } from './bootstrap.js';
