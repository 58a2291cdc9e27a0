import { problemOf } from "../application/problem.ts";
import { MAX_SERIES_MONTHS, presentScore, presentSeries, seriesMonths } from "../application/scoring.ts";
import { services } from "../composition/services.ts";
import { type CalendarDate, dateOf } from "../domain/dates.ts";
import { parseWhen } from "../domain/instants.ts";
import { forKeyHolder, json } from "./http.ts";
import { defineHttp } from "./registry.ts";

/** A calendar date or an RFC 3339 instant (its UTC date, CAL-3); undefined when it is neither. */
function dateParam(value: string): CalendarDate | undefined {
  // The one reader of dates and instants every route and the CLI share.
  return parseWhen(value)?.date;
}

export const securityDesignation = forKeyHolder(async (request, partnerId) => {
  const errors: { path: string; message: string }[] = [];
  const read = (name: string) => {
    const raw = request.query.get(name);
    if (raw === null) return undefined;
    const date = dateParam(raw);
    if (date === undefined)
      errors.push({
        path: `$.query.${name}`,
        message: "expected a date (YYYY-MM-DD) or an RFC 3339 instant",
      });
    return date;
  };
  const asOf = read("asOf");
  const from = read("from");
  const to = read("to");
  const series =
    from !== undefined || to !== undefined || request.query.has("from") || request.query.has("to");
  if (series && (from === undefined) !== (to === undefined) && errors.length === 0)
    errors.push({
      path: `$.query.${from === undefined ? "from" : "to"}`,
      message: "from and to go together",
    });
  if (series && asOf !== undefined)
    errors.push({ path: "$.query.asOf", message: "give asOf, or from and to" });
  if (from !== undefined && to !== undefined) {
    if (from > to) errors.push({ path: "$.query.to", message: "to must not be before from" });
    else if (seriesMonths(from, to) > MAX_SERIES_MONTHS)
      errors.push({ path: "$.query.to", message: `a series spans at most ${MAX_SERIES_MONTHS} months` });
  }
  if (errors.length > 0) return problemOf("invalid-request", { errors });

  const { scoring, clock } = await services();
  if (from !== undefined && to !== undefined) {
    const points = await scoring.series(partnerId, from, to);
    return json(200, {
      partnerId: partnerId,
      designation: "security",
      from,
      to,
      series: presentSeries(points),
    });
  }
  const date = asOf ?? dateOf(clock().getTime());
  const score = await scoring.scoreAt(partnerId, date);
  return json(200, { partnerId: partnerId, designation: "security", ...presentScore(score) });
});

defineHttp({
  name: "securityDesignation",
  route: "designations/security",
  methods: ["GET"],
  handler: securityDesignation,
});
