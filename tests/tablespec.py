"""Tables for mapping tests, from (row, col, rowspan, colspan, text) specs and column widths."""
from formpipe.extract.model import Box, Cell, Table


def table(spec, widths, page=1, table_no=1, row_h=20.0, x0=0.0):
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    cells = [Cell(page, r, c, rs, cs, text, Box(xs[c], r * row_h, xs[c + cs], (r + rs) * row_h))
             for r, c, rs, cs, text in spec]
    n_rows = max(r + rs for r, _, rs, _, _ in spec)
    return Table(table_no, cells, n_rows, len(widths), (page,), tuple(xs))
