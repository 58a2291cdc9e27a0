// The sources' refusal log in Cosmos DB: container `refusals`, partition /partnerId, one document per
// refused CRM record (upserted: a CRM's retry of the same record stays one entry). Written only when a
// record is refused; the container is created on first use, so deployments need no extra step.
import type { Container, Database } from "@azure/cosmos";
import type { Refusal, RefusalLog } from "../../application/sources/refusals.ts";

export const REFUSALS_CONTAINER = "refusals";

export class CosmosRefusalLog implements RefusalLog {
  private container: Promise<Container> | undefined;

  constructor(private readonly database: Database) {}

  async keep(refusals: readonly Refusal[]): Promise<void> {
    const container = await this.open();
    await Promise.all(refusals.map((r) => container.items.upsert(r, { disableAutomaticIdGeneration: true })));
  }

  async summary(partnerId: string, source: string, newest: number) {
    const container = await this.open();
    const parameters = [
      { name: "@p", value: partnerId },
      { name: "@s", value: source },
    ];
    const where = "WHERE c.partnerId = @p AND c.source = @s";
    const [count, latest] = await Promise.all([
      container.items
        .query<number>(
          { query: `SELECT VALUE COUNT(1) FROM c ${where}`, parameters },
          { partitionKey: partnerId },
        )
        .fetchAll(),
      container.items
        .query<Refusal>(
          {
            query: `SELECT TOP ${Math.max(1, Math.floor(newest))} c.id, c.partnerId, c.source, c.at, c.record, c.errors FROM c ${where} ORDER BY c.at DESC`,
            parameters,
          },
          { partitionKey: partnerId },
        )
        .fetchAll(),
    ]);
    return { count: count.resources[0] ?? 0, newest: latest.resources };
  }

  private open(): Promise<Container> {
    if (!this.container) {
      this.container = this.database.containers
        .createIfNotExists({ id: REFUSALS_CONTAINER, partitionKey: { paths: ["/partnerId"] } })
        .then((r) => r.container);
      this.container.catch(() => {
        this.container = undefined; // retried on the next refusal
      });
    }
    return this.container;
  }
}
