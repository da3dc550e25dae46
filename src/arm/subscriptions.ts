import type { Kysely } from 'kysely';
import { DockyardError, newGuid } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { ArmTables } from './tables.js';

export class Subscriptions {
  private readonly db: Kysely<ArmTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<ArmTables>;
  }

  /** Creates the default subscription on first start. */
  async ensureDefault(tenantId: string): Promise<string> {
    const row = await this.db
      .selectFrom('subscriptions')
      .select('subscription_id')
      .where('is_default', '=', 1)
      .executeTakeFirst();
    if (row) return row.subscription_id;
    const id = newGuid();
    await this.db
      .insertInto('subscriptions')
      .values({ subscription_id: id, tenant_id: tenantId, display_name: 'Dockyard', is_default: 1 })
      .execute();
    return id;
  }

  async get(subscriptionId: string): Promise<ArmTables['subscriptions']> {
    const row = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('subscription_id', '=', subscriptionId.toLowerCase())
      .executeTakeFirst();
    if (!row)
      throw new DockyardError('SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    return row;
  }

  async list(): Promise<ArmTables['subscriptions'][]> {
    return this.db.selectFrom('subscriptions').selectAll().execute();
  }
}
