import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../../storage/index.js';
import type { TaskTables } from './tables.js';
import type { Task } from './model.js';
import { knownSecrets, parseResourceId, type SecretCipher } from '../../shared/index.js';

type TaskRow = TaskTables['tasks'];

/** Authenticated context of a task's sealed secrets: a row's ciphertext cannot be moved to another task. */
const secureContext = (idLower: string): string => `tasks/${idLower}/secure`;

/** Tasks as rows; their secret values (`--set-secret`, credential passwords) sealed with the data-at-rest key. */
export class TaskStore {
  private readonly db: Kysely<TaskTables>;
  constructor(
    db: SqlDatabase,
    private readonly cipher: SecretCipher,
  ) {
    this.db = db as Kysely<TaskTables>;
  }

  async put(task: Task, registryId: string): Promise<void> {
    const row: TaskRow = {
      id: task.id,
      id_lower: task.id.toLowerCase(),
      name: task.name,
      registry_name: task.registryName.toLowerCase(),
      registry_id_lower: registryId.toLowerCase(),
      location: task.location,
      properties: JSON.stringify(task.properties),
      identity: task.identity ? JSON.stringify(task.identity) : null,
      secure: this.cipher.seal(task.secure, secureContext(task.id.toLowerCase())),
      tags: JSON.stringify(task.tags),
      creation_date: task.creationDate,
    };
    await this.db
      .insertInto('tasks')
      .values(row)
      .onConflict((oc) =>
        oc.column('id_lower').doUpdateSet({
          properties: row.properties,
          identity: row.identity,
          secure: row.secure,
          tags: row.tags,
          location: row.location,
        }),
      )
      .execute();
  }

  async get(id: string): Promise<Task | null> {
    const r = await this.db.selectFrom('tasks').selectAll().where('id_lower', '=', id.toLowerCase()).executeTakeFirst();
    return r ? this.toTask(r) : null;
  }

  async listByRegistry(registryId: string): Promise<Task[]> {
    const rows = await this.db
      .selectFrom('tasks')
      .selectAll()
      .where('registry_id_lower', '=', registryId.toLowerCase())
      .orderBy('name')
      .execute();
    return rows.map((r) => this.toTask(r));
  }

  async all(): Promise<Task[]> {
    return (await this.db.selectFrom('tasks').selectAll().execute()).map((r) => this.toTask(r));
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('tasks').where('id_lower', '=', id.toLowerCase()).execute();
  }

  /** Rows written before sealing (plaintext JSON): sealed in place. Returns how many changed. */
  async sealLegacyRows(): Promise<number> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['id_lower', 'secure'])
      .where('secure', 'not like', 'enc:%')
      .execute();
    for (const r of rows) {
      await this.db
        .updateTable('tasks')
        .set({ secure: this.cipher.seal(JSON.parse(r.secure), secureContext(r.id_lower)) })
        .where('id_lower', '=', r.id_lower)
        .execute();
    }
    return rows.length;
  }

  private toTask(r: TaskRow): Task {
    const secure = this.cipher.open<Record<string, string>>(r.secure, secureContext(r.id_lower));
    knownSecrets.addAll(Object.values(secure));
    return rowToTask(r, secure);
  }
}

function rowToTask(r: TaskRow, secure: Record<string, string>): Task {
  const parsed = parseResourceId(r.id);
  return {
    id: r.id,
    name: r.name,
    registryName: parsed?.segments[0]?.[1] ?? r.registry_name,
    resourceGroup: parsed?.resourceGroup ?? '',
    location: r.location,
    properties: JSON.parse(r.properties),
    identity: r.identity ? JSON.parse(r.identity) : null,
    secure,
    tags: JSON.parse(r.tags),
    creationDate: r.creation_date,
  };
}
