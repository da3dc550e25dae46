import type { DockyardConfig } from '../config/index.js';
import { DockyardError, maskSecrets, type Logger } from '../shared/index.js';
import { FsBlobStore, loadAzureBlobStore, type BlobStore } from '../storage/index.js';

/**
 * The registry's blob store from config `blobStore` (docs/designs/blob-storage.md): the data dir (default) or an
 * Azure Blob Storage container (created when missing). Task run logs and build-source uploads stay in the data dir.
 */
export async function openBlobStore(config: DockyardConfig, log: Logger): Promise<BlobStore> {
  if (config.blobStore !== 'azure') return new FsBlobStore(config.blobDir ?? config.dataDir);
  if (!config.blobConnectionString)
    throw new DockyardError('InvalidParameter', 'blobStore azure needs blobConnectionString');
  try {
    const AzureBlobStore = await loadAzureBlobStore();
    const store = await AzureBlobStore.open({
      connectionString: config.blobConnectionString,
      container: config.blobContainer,
    });
    log.info({ blobStore: 'azure', container: config.blobContainer }, 'registry blobs in Azure Blob Storage');
    return store;
  } catch (err) {
    throw new DockyardError(
      'InvalidParameter',
      maskSecrets(`cannot open blob container ${config.blobContainer}: ${(err as Error).message}`),
    );
  }
}
