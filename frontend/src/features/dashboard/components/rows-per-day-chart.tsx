import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { formatNumber } from "@/lib/format";

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

function dayLabel(isoDate: string): string {
  // A calendar date (UTC day), not an instant: format it without shifting it into local time.
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1)).toLocaleDateString([], {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}

/** Rows loaded by finished runs, one bar per day; a table behind it for screen readers. */
export function RowsPerDayChart({ data }: { data: { date: string; rows: number }[] }) {
  const total = data.reduce((sum, day) => sum + day.rows, 0);
  return (
    <figure className="flex flex-col gap-2">
      <div className="h-56 w-full" aria-hidden>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} className="stroke-border" />
            <XAxis dataKey="date" tickFormatter={dayLabel} tickLine={false} axisLine={false} fontSize={12} minTickGap={16} />
            <YAxis tickFormatter={(value: number) => compact.format(value)} tickLine={false} axisLine={false} fontSize={12} width={48} />
            <Tooltip
              cursor={{ fill: "var(--color-muted)" }}
              labelFormatter={(label) => dayLabel(String(label))}
              formatter={(value) => [formatNumber(Number(value)), "Rows loaded"]}
            />
            <Bar dataKey="rows" fill="var(--color-primary)" radius={[4, 4, 0, 0]} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="text-sm text-muted-foreground">
        {formatNumber(total)} rows loaded in the last {data.length} days
      </figcaption>
      <table className="sr-only">
        <caption>Rows loaded per day</caption>
        <tbody>
          {data.map((day) => (
            <tr key={day.date}>
              <th scope="row">{day.date}</th>
              <td>{day.rows}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
