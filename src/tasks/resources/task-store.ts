import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../../storage/index.js';
import type { TaskTables } from './tables.js';
import type { Task } from './model.js';
import { parseResourceId } from '../../shared/index.js';

export class TaskStore {
  private readonly db: Kysely<TaskTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<TaskTables>;
  }

  async put(task: Task, registryId: string): Promise<void> {
    const row: TaskTables['tasks'] = {
      id: task.id,
      id_lower: task.id.toLowerCase(),
      name: task.name,
      registry_name: task.registryName.toLowerCase(),
      registry_id_lower: registryId.toLowerCase(),
      location: task.location,
      properties: JSON.stringify(task.properties),
      identity: task.identity ? JSON.stringify(task.identity) : null,
      secure: JSON.stringify(task.secure),
      tags: JSON.stringify(task.tags),
      creation_date: task.creationDate,
    };
    await this.db
      .insertInto('tasks')
      .values(row)
      .onConflict((oc) => oc.column('id_lower').doUpdateSet({ properties: row.properties, identity: row.identity, secure: row.secure, tags: row.tags, location: row.location }))
      .execute();
  }

  async get(id: string): Promise<Task | null> {
    const r = await this.db.selectFrom('tasks').selectAll().where('id_lower', '=', id.toLowerCase()).executeTakeFirst();
    return r ? toTask(r) : null;
  }

  async listByRegistry(registryId: string): Promise<Task[]> {
    const rows = await this.db.selectFrom('tasks').selectAll().where('registry_id_lower', '=', registryId.toLowerCase()).orderBy('name').execute();
    return rows.map(toTask);
  }

  async all(): Promise<Task[]> {
    return (await this.db.selectFrom('tasks').selectAll().execute()).map(toTask);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('tasks').where('id_lower', '=', id.toLowerCase()).execute();
  }
}

function toTask(r: TaskTables['tasks']): Task {
  const parsed = parseResourceId(r.id);
  return {
    id: r.id,
    name: r.name,
    registryName: parsed?.segments[0]?.[1] ?? r.registry_name,
    resourceGroup: parsed?.resourceGroup ?? '',
    location: r.location,
    properties: JSON.parse(r.properties),
    identity: r.identity ? JSON.parse(r.identity) : null,
    secure: JSON.parse(r.secure),
    tags: JSON.parse(r.tags),
    creationDate: r.creation_date,
  };
}
