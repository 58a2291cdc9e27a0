// An in-memory DocumentCollection (application/ports/document-collection.ts) for application-tier tests:
// etag-checked writes like Cosmos, and the small subset of Cosmos SQL the use cases speak (SELECT [TOP n]
// * | c.a, c.b FROM c WHERE c.x op @p|'lit'|n [AND …] | c.x IN (@a, …) [ORDER BY c.x [DESC]]). A query
// outside that subset throws, so a test never passes on a query it did not understand.
import {
  type DocumentCollection,
  DocumentConflict,
  documentsOf,
  type Page,
  type PartitionValue,
  type QueryArgs,
  type Versioned,
} from "../../application/ports/document-collection.ts";

type Doc = { id: string };
const QUERY =
  /^SELECT\s+(?:TOP\s+(\d+)\s+)?(\*|c\.[\w.]+(?:\s*,\s*c\.[\w.]+)*)\s+FROM\s+c(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+c\.([\w.]+)(?:\s+(ASC|DESC))?)?$/is;
const TERM = /^c\.([\w.]+)\s*(=|!=|<=|>=|<|>)\s*(@\w+|'[^']*'|-?\d+(?:\.\d+)?)$/;
const IN_TERM = /^c\.([\w.]+)\s+IN\s*\(([^)]*)\)$/i;

const at = (doc: unknown, path: string) =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);

export class InMemoryDocuments<T extends Doc> implements DocumentCollection<T> {
  readonly #docs = new Map<string, { doc: T; etag: string }>();
  #etags = 0;

  constructor(private readonly partitionOf: (doc: T) => PartitionValue) {}

  /** Every stored document, for assertions. */
  all(): T[] {
    return [...this.#docs.values()].map((v) => structuredClone(v.doc));
  }

  #key = (partition: PartitionValue, id: string) => JSON.stringify([partition, id]);
  #put(doc: T): Versioned<T> {
    const stored = { doc: structuredClone(doc), etag: `"${++this.#etags}"` };
    this.#docs.set(this.#key(this.partitionOf(doc), doc.id), stored);
    return { doc: structuredClone(doc), etag: stored.etag };
  }

  async read(partitionKey: PartitionValue, id: string) {
    const v = this.#docs.get(this.#key(partitionKey, id));
    return v && { doc: structuredClone(v.doc), etag: v.etag };
  }
  async create(doc: T) {
    if (this.#docs.has(this.#key(this.partitionOf(doc), doc.id))) throw new DocumentConflict(doc.id, 409);
    return this.#put(doc);
  }
  async replace(doc: T, etag: string) {
    const current = this.#docs.get(this.#key(this.partitionOf(doc), doc.id));
    if (current?.etag !== etag) throw new DocumentConflict(doc.id, 412);
    return this.#put(doc);
  }
  async upsert(doc: T) {
    return this.#put(doc);
  }
  async delete(partitionKey: PartitionValue, id: string) {
    return this.#docs.delete(this.#key(partitionKey, id));
  }

  async query<R = T>(...args: QueryArgs): Promise<Page<R>> {
    return documentsOf<R>(await this.queryVersioned(...args));
  }

  async queryVersioned(
    ...[partitionKey, sql, parameters = [], page = {}]: QueryArgs
  ): Promise<Page<Versioned<T>>> {
    const m = QUERY.exec(sql.trim());
    if (!m) throw new Error(`query outside the in-memory subset: ${sql}`);
    const [, top, fields, where, orderBy, direction] = m;
    const params = new Map(parameters.map((p) => [p.name, p.value]));
    const value = (token: string): unknown => {
      if (token.startsWith("@")) {
        if (!params.has(token)) throw new Error(`no parameter ${token} in ${sql}`);
        return params.get(token);
      }
      return token.startsWith("'") ? token.slice(1, -1) : Number(token);
    };
    const tests = (where ? where.split(/\s+AND\s+/i) : []).map((term): ((doc: T) => boolean) => {
      const inTerm = IN_TERM.exec(term.trim());
      if (inTerm) {
        const options = inTerm[2]!.split(",").map((t) => value(t.trim()));
        return (doc) => options.includes(at(doc, inTerm[1]!));
      }
      const t = TERM.exec(term.trim());
      if (!t) throw new Error(`condition outside the in-memory subset: ${term}`);
      const [, path, op, rhs] = t;
      return (doc) => {
        const a = at(doc, path!) as string | number | undefined;
        const b = value(rhs!) as string | number;
        if (a === undefined) return false;
        return op === "="
          ? a === b
          : op === "!="
            ? a !== b
            : op === "<="
              ? a <= b
              : op === ">="
                ? a >= b
                : op === "<"
                  ? a < b
                  : a > b;
      };
    });
    let rows = [...this.#docs.values()].filter(
      ({ doc }) =>
        (partitionKey === undefined || this.partitionOf(doc) === partitionKey) && tests.every((t) => t(doc)),
    );
    if (orderBy) {
      const sign = direction?.toUpperCase() === "DESC" ? -1 : 1;
      rows.sort((x, y) => {
        const a = at(x.doc, orderBy) as string;
        const b = at(y.doc, orderBy) as string;
        return a < b ? -sign : a > b ? sign : 0;
      });
    }
    if (top) rows = rows.slice(0, Number(top));
    const start = Number(page.continuationToken ?? 0);
    const end = start + (page.maxItemCount ?? rows.length);
    const items = rows.slice(start, end).map(({ doc, etag }) => {
      if (fields === "*") return { doc: structuredClone(doc), etag };
      const picked: Record<string, unknown> = {};
      for (const f of fields!.split(",")) {
        const path = f.trim().slice(2);
        picked[path.split(".").at(-1)!] = structuredClone(at(doc, path));
      }
      return { doc: picked as T, etag };
    });
    return { items, continuationToken: end < rows.length ? String(end) : undefined };
  }
}
