// ASP.NET-style route templates of the Functions host: compiled, ranked and matched against a request path.
import type { HttpDefinition } from "../../functions/registry.ts";

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "param"; name: string; constraint?: string; optional: boolean }
  | { kind: "catchAll"; name: string };

export interface Route {
  definition: HttpDefinition;
  segments: Segment[];
  /** Lower sorts first: literals beat constrained params beat params beat optionals beat catch-alls. */
  rank: number[];
}

const PARAM = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([^{}?]+))?(\?)?\}$/;

export function compileRoute(definition: HttpDefinition): Route {
  const parts = definition.route
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter(Boolean);
  const segments = parts.map((part): Segment => {
    const param = PARAM.exec(part);
    if (param) {
      const [, star, name = "", constraint, optional] = param;
      return star ? { kind: "catchAll", name } : { kind: "param", name, constraint, optional: !!optional };
    }
    // ASP.NET also allows segments like `{name}.json`; nothing here needs them, so refuse rather than misroute.
    if (part.includes("{") || part.includes("}")) {
      throw new Error(
        `function "${definition.name}": route segment "${part}" is not supported by the dev host`,
      );
    }
    return { kind: "literal", text: part.toLowerCase() };
  });
  const rank = segments.map((s) =>
    s.kind === "literal" ? 0 : s.kind === "catchAll" ? 4 : s.optional ? 3 : s.constraint ? 1 : 2,
  );
  return { definition, segments, rank };
}

export function byRank(a: Route, b: Route): number {
  for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
    const diff = (a.rank[i] ?? -1) - (b.rank[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

// The common ASP.NET route constraints; any other constraint is accepted unchecked.
const constraints: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  bool: /^(true|false)$/i,
  alpha: /^[A-Za-z]+$/,
  guid: /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i,
};

export function matchRoute(route: Route, path: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of route.segments.entries()) {
    if (segment.kind === "catchAll") {
      params[segment.name] = path.slice(i).join("/");
      return params;
    }
    const part = path[i];
    if (part === undefined) {
      if (segment.kind === "param" && segment.optional) continue;
      return undefined;
    }
    if (segment.kind === "literal") {
      if (part.toLowerCase() !== segment.text) return undefined;
    } else {
      const check = segment.constraint ? constraints[segment.constraint.toLowerCase()] : undefined;
      if (check && !check.test(part)) return undefined;
      params[segment.name] = part;
    }
  }
  return path.length <= route.segments.length ? params : undefined;
}
