"""The typed objects that extraction stages hand to each other.

Data flows one way: file -> pages -> tables of cells (grid with spans, boxes,
confidence) -> form record. The text-layer path and the OCR path both end in
`Table`; everything after it is shared.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .flags import Flag


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, origin at the top-left of the page."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def contains_point(self, x: float, y: float, slack: float = 0.0) -> bool:
        return self.x0 - slack <= x <= self.x1 + slack and self.y0 - slack <= y <= self.y1 + slack


@dataclass(frozen=True)
class Glyph:
    """One character of a text layer (or one OCR'd text run) with its box."""

    text: str
    box: Box
    size: float = 0.0
    confidence: float = 1.0


@dataclass(frozen=True)
class Segment:
    """A ruling line: horizontal when y0 == y1, vertical when x0 == x1."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= abs(self.x1 - self.x0)


@dataclass(frozen=True)
class PageContent:
    """What a page offers to the grid builder, whatever path produced it."""

    number: int  # 1-based
    width: float
    height: float
    glyphs: tuple[Glyph, ...]
    segments: tuple[Segment, ...]
    source: str = "text"  # "text" or "ocr"


@dataclass(frozen=True)
class Cell:
    """One cell of a table grid; merged cells have spans > 1."""

    page: int
    row: int  # 0-based, in the table (continued tables count on across pages)
    col: int
    rowspan: int
    colspan: int
    text: str
    box: Box
    confidence: float = 1.0
    source: str = "text"
    # how the cell was found: "grid" (ruling: the text layer's or the scan's), "anchors" (a scan
    # whose ruling the grid could not use, laid out from full-page OCR: extract/anchors.py)
    located_by: str = "grid"

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass
class Table:
    """A grid of cells. A table continued over pages is one Table."""

    table_no: int  # 1-based order in the document
    cells: list[Cell]
    n_rows: int
    n_cols: int
    pages: tuple[int, ...] = ()
    # column boundaries in points (n_cols + 1 values), for mapping and debugging
    col_edges: tuple[float, ...] = ()

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, each row ordered left to right."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for c in self.cells:
            out[c.row].append(c)
        for r in out:
            r.sort(key=lambda c: c.col)
        return out

    def cells_covering_row(self, row: int) -> list[Cell]:
        """Every cell that occupies `row`, including merged cells started above it."""
        return sorted((c for c in self.cells if c.row <= row <= c.last_row), key=lambda c: c.col)


@dataclass(frozen=True)
class TextLine:
    """Text outside any table (titles, notes, page footers)."""

    page: int
    text: str
    box: Box
    size: float = 0.0
    confidence: float = 1.0


@dataclass
class Extraction:
    """Everything extracted from one document before mapping to form fields."""

    pages: int
    tables: list[Table]
    lines: list[TextLine] = field(default_factory=list)
    method: str = "text"  # text | ocr | mixed
    ocr_engine: str | None = None
    page_sizes: tuple[tuple[float, float], ...] = ()
    notes: list[Flag] = field(default_factory=list)  # findings about pages, as RawForm.notes


class DocumentError(Exception):
    """One document could not be processed; the message is the one-line reason."""


class NoFormFound(DocumentError):
    """The document was read far enough to tell it holds no form: status no_form, not failed."""


READERS = ("pdfium", "pdfplumber")  # text-layer readers (extract/pdf.py); the first is the default


@dataclass(frozen=True)
class ExtractOptions:
    ocr_engine: str = "rapidocr"
    dpi: int = 300  # rasterising scanned PDF pages
    force_ocr: bool = False  # OCR every page even where a text layer exists
    max_pages: int = 500  # a form has a handful; thousands is a bomb or the wrong file
    keep_pages: str | None = None  # folder to keep OCR'd pages in, straightened (extract/keep.py)
    pdf_reader: str = "pdfium"  # text layers: "pdfium" (fast) or "pdfplumber" (extract/pdf.py)

    def __post_init__(self) -> None:
        if self.pdf_reader not in READERS:
            raise ValueError(f"pdf_reader must be 'pdfium' or 'pdfplumber' (got {self.pdf_reader!r})")


DEFAULT_OPTIONS = ExtractOptions()
