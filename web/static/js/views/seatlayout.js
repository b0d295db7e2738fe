// Where each seat of a hall is drawn. The theater's seat map says so itself (grid_row,
// grid_column: aisles are empty columns, a cross aisle an empty row, rows centred on the widest);
// a seat map from before layouts is a plain rows × seats grid; a hall's layout (staff pages) is
// placed by the same rules as the theater's.

export const rowLetter = (index) => String.fromCharCode(65 + index);
const LABEL = /^([A-Z])(\d+)$/;

/**
 * The seat map → { seats: [{ label, row, number, kind, pair, gridRow, column, price }],
 * columns, gridRows } (0-based cells).
 */
export function seatsOf(map) {
  const placed = map.seats.length > 0
    && map.seats.every((s) => Number.isInteger(s.grid_row) && Number.isInteger(s.grid_column));
  if (placed) {
    const seats = map.seats.map((s) => {
      const [, row, number] = LABEL.exec(s.label) ?? [null, s.row, s.number];
      return {
        label: s.label, row: s.row ?? row, number: s.number ?? Number(number), kind: s.kind ?? 'standard',
        pair: s.pair ?? null, gridRow: s.grid_row, column: s.grid_column, price: s.price ?? null,
      };
    });
    return {
      seats,
      columns: Math.max(map.grid_columns ?? 0, ...seats.map((s) => s.column + 1)),
      gridRows: Math.max(map.grid_rows ?? 0, ...seats.map((s) => s.gridRow + 1)),
    };
  }
  if (map.layout?.rows) return layoutSeats(map.layout);
  const seats = [];
  for (let r = 0; r < map.rows; r += 1) {
    for (let c = 0; c < map.seats_per_row; c += 1) {
      seats.push({ label: `${rowLetter(r)}${c + 1}`, row: rowLetter(r), number: c + 1, kind: 'standard', pair: null, gridRow: r, column: c, price: null });
    }
  }
  return { seats, columns: map.seats_per_row, gridRows: map.rows };
}

/** A hall's layout ({ rows: [{ seats, aisles_after, space_before, kinds }] }) → placed seats. */
export function layoutSeats(layout) {
  const widths = layout.rows.map((row) => row.seats + (row.aisles_after ?? []).length);
  const columns = Math.max(1, ...widths);
  const seats = [];
  let gridRow = -1;
  layout.rows.forEach((row, r) => {
    if (row.space_before && r > 0) gridRow += 1;
    gridRow += 1;
    const letter = row.label ?? rowLetter(r);
    const aisles = [...(row.aisles_after ?? [])].sort((a, b) => a - b);
    const offset = Math.floor((columns - widths[r]) / 2);
    const kindOf = new Map();
    for (const [kind, numbers] of Object.entries(row.kinds ?? {})) for (const n of numbers) kindOf.set(n, kind);
    const couples = [...kindOf].filter(([, k]) => k === 'couple').map(([n]) => n).sort((a, b) => a - b);
    for (let n = 1; n <= row.seats; n += 1) {
      const before = aisles.filter((a) => a < n).length;
      const kind = kindOf.get(n) ?? 'standard';
      let pair = null;
      if (kind === 'couple') {
        const i = couples.indexOf(n);
        pair = `${letter}${couples[i % 2 === 0 ? i + 1 : i - 1]}`;
      }
      seats.push({ label: `${letter}${n}`, row: letter, number: n, kind, pair, gridRow, column: offset + n - 1 + before, price: null });
    }
  });
  return { seats, columns, gridRows: gridRow + 1 };
}

/** The layout a hall was made with, or its plain grid (an older hall). */
export const hallLayout = (hall) => hall.layout ?? {
  rows: Array.from({ length: hall.rows }, () => ({ seats: hall.seats_per_row })),
};
