// The sources' refusal log in Cosmos DB: container `refusals` (CONTAINERS in client.ts, declared by the
// deployment), partition /partnerId, one document per refused CRM record, upserted so a CRM's retry of
// the same record stays one entry. Written only when a record is refused.
import type { Container } from "@azure/cosmos";
import type { Refusal, RefusalLog } from "../../application/sources/refusals.ts";

export class CosmosRefusalLog implements RefusalLog {
  constructor(private readonly container: Container) {}

  async keep(refusals: readonly Refusal[]): Promise<void> {
    await Promise.all(
      refusals.map((r) => this.container.items.upsert(r, { disableAutomaticIdGeneration: true })),
    );
  }

  async summary(partnerId: string, source: string, newest: number) {
    const parameters = [
      { name: "@p", value: partnerId },
      { name: "@s", value: source },
    ];
    const where = "WHERE c.partnerId = @p AND c.source = @s";
    const top = Math.max(1, Math.floor(newest));
    const [count, latest] = await Promise.all([
      this.container.items
        .query<number>(
          { query: `SELECT VALUE COUNT(1) FROM c ${where}`, parameters },
          { partitionKey: partnerId },
        )
        .fetchAll(),
      this.container.items
        .query<Refusal>(
          {
            query: `SELECT TOP ${top} c.id, c.partnerId, c.source, c.at, c.record, c.errors FROM c ${where} ORDER BY c.at DESC`,
            parameters,
          },
          { partitionKey: partnerId },
        )
        .fetchAll(),
    ]);
    return { count: count.resources[0] ?? 0, newest: latest.resources };
  }
}
