"""Rules a scan broke, mended: pieces of one rule joined across their gaps, and a rule stopped short
of the rule it runs to carried on to it.

A faint grey rule comes out of a scan in pieces: the ruling search loses it where blur, JPEG or
a seal's red took it, and a gap wider than the grid's join tolerance opens two cells into one.
On a 200-dpi office scan a gap of 21 pt in the rule under a goal's cell ran the goal's cell into
the task table below, and the page's every task was lost (flagged).

Two facts about ruled tables make the mending safe:
- a rule ends on a rule across it (or runs on): an end in the middle of a cell is a break, not
  the edge of a merged cell, whose bounding rules stop on the verticals it spans;
- a rule runs from a rule across it to another one: a chain of pieces is bridged only when its
  first piece starts on a rule and its last ends on one (a few points past it at most), so a pen
  stroke or a glyph's strokes lined up with nothing stay as they are.
Where a gap holds a rule across and one of its sides stops on a rule, only the dangling side is
carried on, to that rule: the far part may be a merged cell's edge.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Segment


@dataclass(frozen=True)
class MendSettings:
    collinear_pt: float = 3.0  # pieces of one rule lie this close across it
    join_pt: float = 12.0  # gaps this short the grid joins itself (scanned grid's join tolerance)
    on_rule_pt: float = 8.0  # an end this close short of a rule across it stops on it (the grid's own)
    # ... or this far past it: a rule's own width, blurred. An end further into the next cell is
    # a break (a 22-pt break in a 30-pt row's vertical ends 3 pt past one rule and 5 pt short of
    # the next, both within on_rule_pt)
    overshoot_pt: float = 2.5
    # a chain's own ends must stop on rules across, past them by this much at most: a pen stroke
    # drawn between two lines of a cell's text, in line with nothing, crossed the cell's vertical
    # and ran 28 pt into the next cell; the furthest a real rule's piece ran past its rule on the
    # office scans was 10.6 pt (beside a merged label cell)
    end_overshoot_pt: float = 12.0
    # the widest gap bridged. Gaps measured on a 200-dpi office scan: 8-21 pt beside a seal, 13 pt
    # at a rule's faint top; a seal's red can take up to its width (42 mm, 119 pt) of the rule
    # under it, which the seal bridge (scangrid.bridges_under_seals) mends where the seal is found
    max_gap_pt: float = 60.0
    # a rule that starts on a rule and stops on none is carried on to the next rule across it, this
    # far at most and no further than half its own length, and only a rule longer than any glyph's
    # stroke: a 22-pt title's strokes (18 pt, closed into a row by a synthetic rule over them) were
    # carried 9 pt down to the table's top rule on a photo, and the title became a one-row table
    # that ended the task block before it
    max_reach_pt: float = 20.0
    # ... and a row's rule through min_crossed_across verticals to the table's edge this far.
    # LENIENT, tried only on a page whose grid failed the check (extract/gridrepair.py), reaches
    # further and also to an inner rule across where none lies at its end (_no_rule_on), from
    # either loose end: on a 200-dpi office scan the rule over a task block's header faded 27 pt
    # short of the table's right edge (a 457-pt rule through four verticals), and a budget row's
    # rule 41 pt short of its label column. Not on every page: a shaded label's top strokes,
    # joined to a row's rule where it ended on the label column's edge, ran it 17 pt into the
    # label's cell, 25 pt short of the table's edge, and reached, it cut the label's cell in two
    edge_reach_pt: float = 20.0
    inner_reach: bool = False
    min_reaching_pt: float = 30.0
    stroke_past_pt: float = 40.0  # see strokes_past_the_edge
    min_crossed_across: int = 2  # a horizontal reaches only if it passes through this many verticals
    long_floating_pt: float = 100.0  # a vertical this long ending on no rule is a column's rule faded at both ends
    min_piece_pt: float = 4.0  # shorter pieces are no ruling (the grid's own min_segment)
    # A vertical that ends on one rule across and starts again on the next is the edge of the
    # cells above and below a merged row, not a rule broken across it (_across_a_merged_row).
    # Measured on 200-dpi office scans: such verticals ended 0.4-4.7 pt past the rule above
    # (blur) and started again 0.1-1.0 pt from the rule below; a faded rule's piece ran 6.1 pt
    # past the rule above its gap. ends_at_rule_pt is the close side, ends_near_rule_pt the other.
    ends_at_rule_pt: float = 1.5
    ends_near_rule_pt: float = 5.0


DEFAULT = MendSettings()
LENIENT = MendSettings(edge_reach_pt=45.0, inner_reach=True)


@dataclass(frozen=True)
class _Run:
    start: float
    end: float
    across: float


def _along(s: Segment, horizontal: bool) -> tuple[float, float, float]:
    return (s.x0, s.x1, s.y0) if horizontal else (s.y0, s.y1, s.x0)


def collinear_lines(segments: list[Segment], horizontal: bool, tol: float) -> list[list[Segment]]:
    """Pieces running one way grouped into lines (each within `tol` across of the one before), each
    line in order along."""
    pieces = sorted((s for s in segments if s.horizontal == horizontal), key=lambda s: s.y0 if horizontal else s.x0)
    lines: list[list[Segment]] = []
    for p in pieces:
        across = p.y0 if horizontal else p.x0
        if lines and across - (lines[-1][-1].y0 if horizontal else lines[-1][-1].x0) <= tol:
            lines[-1].append(p)
        else:
            lines.append([p])
    return [sorted(line, key=lambda s: s.x0 if horizontal else s.y0) for line in lines]


def joined_lines(segments: list[Segment], horizontal: bool, m: MendSettings = DEFAULT) -> list[list[Segment]]:
    """Pieces running one way grouped into lines, each line's pieces joined where they overlap or
    nearly touch (as the grid will join them), as segments in order along."""
    return [[_segment(r, horizontal) for r in runs] for runs in _runs(segments, horizontal, m)]


def _runs(segments: list[Segment], horizontal: bool, m: MendSettings) -> list[list[_Run]]:
    """Pieces running one way grouped into lines, each line's pieces joined where they nearly
    touch (as the grid will join them), in order along."""
    return _runs_and_fills(segments, horizontal, m)[0]


def _runs_and_fills(segments: list[Segment], horizontal: bool, m: MendSettings) -> tuple[list[list[_Run]], list[_Run]]:
    """The lines' runs (see _runs), and fills: where a piece shorter than min_piece_pt joins a
    run, the stretch from the run to the piece's far end. The grid drops such a stub before
    joining, so the run would stop short by the stub and its gap: a break a few points from a
    corner leaves one."""
    out = []
    fills: list[_Run] = []
    for pieces in collinear_lines(segments, horizontal, m.collinear_pt):
        line = [_along(p, horizontal) for p in pieces]
        across = sum(p[2] for p in line) / len(line)
        runs: list[_Run] = []
        for a, b, _ in sorted(line):
            if runs and a - runs[-1].end <= m.join_pt:
                last = runs[-1]
                if a > last.end and b - a < m.min_piece_pt:
                    fills.append(_Run(last.end, b, across))
                elif a > last.end and last.end - last.start < m.min_piece_pt:
                    fills.append(_Run(last.start, a, across))
                runs[-1] = _Run(last.start, max(last.end, b), across)
            else:
                runs.append(_Run(a, b, across))
        out.append(runs)
    return out, fills


def _stops_on_rule(at: float, across: float, forward: bool, crossing: list[tuple[float, float, float]],
                   m: MendSettings, overshoot: float | None = None) -> bool:
    """Does a run's end at `at` (its far end when `forward`, else its near end) stop on a rule
    across: short of it by on_rule_pt at most, past it by `overshoot` (overshoot_pt) at most?"""
    tol = m.on_rule_pt
    past = m.overshoot_pt if overshoot is None else overshoot
    for start, end, pos in crossing:
        if not start - tol <= across <= end + tol:
            continue
        before, beyond = (pos - at, at - pos) if forward else (at - pos, pos - at)
        if before <= tol and beyond <= past:
            return True
    return False


def _gap_bridge(a: _Run, b: _Run, crossing: list[tuple[float, float, float]], m: MendSettings) -> _Run:
    """What mends the gap from run `a` to run `b`. A rule across inside the gap, with one side
    of the gap stopping on a rule, leaves it open whether the rule went on across it (a seal over
    the junction) or the far part is a merged cell's edge: only the dangling side is carried on,
    to the first rule across. With both sides dangling the rule went on: the whole gap."""
    a_stops = _stops_on_rule(a.end, a.across, True, crossing, m)
    b_stops = _stops_on_rule(b.start, b.across, False, crossing, m)
    inside = sorted(pos for start, end, pos in crossing
                    if a.end + m.overshoot_pt < pos < b.start - m.overshoot_pt
                    and start - m.on_rule_pt <= a.across <= end + m.on_rule_pt)
    if not inside or not (a_stops or b_stops):
        return _Run(a.end, b.start, a.across)
    return _Run(a.end, inside[0], a.across) if b_stops else _Run(inside[-1], b.start, a.across)


def _floating(r: _Run, crossing: list[tuple[float, float, float]], m: MendSettings) -> bool:
    """Does the run start and end on no rule across (a glyph's stroke, or a piece of a rule)?"""
    return not _stops_on_rule(r.start, r.across, False, crossing, m) and not _stops_on_rule(r.end, r.across, True, crossing, m)


def _rule_near(at: float, across: float, crossing: list[tuple[float, float, float]], m: MendSettings,
               forward: bool) -> float | None:
    """The position of the rule across that a run's end at `at` lies on or just past (its far end
    when `forward`: the rule at or above it, ends_near_rule_pt at most), if any."""
    near = [pos for start, end, pos in crossing if start - m.on_rule_pt <= across <= end + m.on_rule_pt
            and -m.ends_at_rule_pt <= ((at - pos) if forward else (pos - at)) <= m.ends_near_rule_pt]
    return (max(near) if forward else min(near)) if near else None


def _across_a_merged_row(runs: list[_Run], j: int, crossing: list[tuple[float, float, float]],
                         m: MendSettings) -> bool:
    """Is the gap after runs[j] the inside of a merged cell: does the line, leaving aside pieces
    floating between (glyph strokes lined up with it), end on a rule across and start again on
    the next one, one side within ends_at_rule_pt of its rule and the other within
    ends_near_rule_pt? Those are two cell edges, one ending on a rule (┴) and one starting on the
    next (┬). A full-width row (a goal, other tasks) between two blocks of a worksheet has the
    blocks' verticals above and below it on the sheet's same columns; bridged, they cut the row
    into columns and its text into pieces (three 200-dpi office scans). A rule broken by fading
    or a seal has an end inside the row, or runs on through the rule (a faded vertical in a
    shaded column ended 6.1 pt past the rule above its gap)."""
    i, k = j, j + 1
    while i > 0 and _floating(runs[i], crossing, m):
        i -= 1
    while k < len(runs) - 1 and _floating(runs[k], crossing, m):
        k += 1
    a, b = runs[i], runs[k]
    top = _rule_near(a.end, a.across, crossing, m, True)
    bottom = _rule_near(b.start, b.across, crossing, m, False)
    if top is None or bottom is None or bottom - top <= m.on_rule_pt:
        return False
    if min(abs(a.end - top), abs(bottom - b.start)) > m.ends_at_rule_pt:
        return False
    across = a.across
    # a rule across inside the band: the gap spans rows, which _gap_bridge weighs
    return not any(top + m.on_rule_pt < pos < bottom - m.on_rule_pt for start, end, pos in crossing
                   if start - m.on_rule_pt <= across <= end + m.on_rule_pt)


def _ended_on(a: _Run, b: _Run, ends: list[tuple[float, float, float]], m: MendSettings) -> bool:
    """Does a rule across end on this line inside the gap from `a` to `b` (within on_rule_pt
    along and across)? A rule ends on a rule across it, so the line was there: a T-junction.
    Not a rule that goes on past the line after a break of its own (a piece of it on the
    other side, within max_gap_pt): that is a broken rule across, which would end "on" any
    line at its break, the top rule of a merged row among them."""
    def goes_on(start: float, end: float, pos: float) -> bool:
        before = abs(start - a.across) <= m.on_rule_pt  # the rule leaves the line forwards
        return any(abs(p - pos) <= m.collinear_pt and (a.across - m.max_gap_pt <= e < start if before
                                                       else end < s <= a.across + m.max_gap_pt)
                   for s, e, p in ends)

    return any(a.end - m.on_rule_pt <= pos <= b.start + m.on_rule_pt
               and min(abs(start - a.across), abs(end - a.across)) <= m.on_rule_pt
               and not goes_on(start, end, pos) for start, end, pos in ends)


def _bridges(lines: list[list[_Run]], crossing: list[tuple[float, float, float]], m: MendSettings,
             rows_merge: bool = False, ends: list[tuple[float, float, float]] | None = None) -> list[_Run]:
    """Bridges across the gaps of chains of runs from a rule across to another; with
    `rows_merge` (verticals), not across a merged row (_across_a_merged_row). With `ends` (the
    rules across, their pieces joined), a gap where one of them ends on the line is bridged
    whole even when both its sides stop on rules across: the rows' rules of a budget block ended
    on its label column's edge where a 20-pt stretch of that edge had faded, between two of them;
    left open, the label's cell took in the block's columns (a 200-dpi office scan)."""
    out: list[_Run] = []
    for runs in lines:
        i = 0
        whole: set[int] = set()
        while i < len(runs):
            j = i  # runs[i..j] chained by gaps that no rule across explains
            while j + 1 < len(runs):
                a, b = runs[j], runs[j + 1]
                gap = b.start - a.end
                dangling = not _stops_on_rule(a.end, a.across, True, crossing, m) \
                    or not _stops_on_rule(b.start, b.across, False, crossing, m)
                evidenced = ends is not None and gap > m.join_pt and _ended_on(a, b, ends, m)
                if gap > m.max_gap_pt or not (dangling or evidenced):
                    break
                if rows_merge and not evidenced and _across_a_merged_row(runs, j, crossing, m):
                    break
                if evidenced:
                    whole.add(j)
                j += 1
            # the chain runs from a rule across to another: it starts on one and ends on one
            first, last = runs[i], runs[j]
            if j > i and _stops_on_rule(first.start, first.across, False, crossing, m, m.end_overshoot_pt) \
                    and _stops_on_rule(last.end, last.across, True, crossing, m, m.end_overshoot_pt):
                out.extend(_Run(runs[k].end, runs[k + 1].start, runs[k].across) if k in whole
                           else _gap_bridge(runs[k], runs[k + 1], crossing, m) for k in range(i, j))
            i = j + 1
    return out


def _reaches(lines: list[list[_Run]], crossing: list[tuple[float, float, float]], m: MendSettings,
             min_crossed: int = 0) -> list[_Run]:
    """Runs that start on a rule across and stop short of the next (or the other way round),
    carried on to it. With `min_crossed`, only runs passing through that many rules across
    between their ends, and only to the table's edge (the outermost rule across), or with
    `inner_reach` to an inner rule across when no rule across lies where the run stops
    (_no_rule_on): a rule that stops on a rule across found above or below its row may be a
    merged cell's edge whose rule across faded there."""
    out: list[_Run] = []
    for runs in lines:
        for r in runs:
            if r.end - r.start < m.min_reaching_pt:
                continue
            if min_crossed and sum(1 for start, end, pos in crossing if r.start + m.on_rule_pt < pos < r.end - m.on_rule_pt
                                   and start - m.overshoot_pt <= r.across <= end + m.overshoot_pt) < min_crossed:
                continue
            reach = min(m.edge_reach_pt if min_crossed else m.max_reach_pt, (r.end - r.start) / 2)
            # positions of the rules across this run's line, beyond each of its ends
            stops = sorted(pos for start, end, pos in crossing if start - m.on_rule_pt <= r.across <= end + m.on_rule_pt)
            start_on = _stops_on_rule(r.start, r.across, False, crossing, m, m.end_overshoot_pt)
            end_on = _stops_on_rule(r.end, r.across, True, crossing, m, m.end_overshoot_pt)
            # leniently, a run through rules across is a rule by itself: each of its loose ends
            # reaches (a budget row's rule had faded at its start and broken 16 pt in its middle)
            loose = bool(min_crossed) and m.inner_reach
            if (start_on or loose) and not end_on:
                ahead = [p for p in stops if r.end < p <= r.end + reach]
                if ahead and (not min_crossed or ahead[0] == stops[-1] or (loose and _no_rule_on(r.end, crossing, m))):
                    out.append(_Run(r.end, ahead[0], r.across))
            if (end_on or loose) and not start_on:
                behind = [p for p in stops if r.start - reach <= p < r.start]
                if behind and (not min_crossed or behind[-1] == stops[0] or (loose and _no_rule_on(r.start, crossing, m))):
                    out.append(_Run(behind[-1], r.start, r.across))
    return out


def _long_floating(lines: list[list[_Run]], crossing: list[tuple[float, float, float]], m: MendSettings) -> list[_Run]:
    """A vertical whose pieces, chained across gaps of max_gap_pt at most, cover long_floating_pt
    or more, and whose chain stops on no rule across at its start or its end but lies within
    max_reach_pt of one there: carried to it, and its gaps bridged. A column's rule beside a
    shaded label column on a 200-dpi office scan faded 17 pt short of the rule above and 7 pt
    short of the one below, and broke for 14 pt in its middle; no piece started on a rule, so it
    was neither bridged nor carried, it cut no cell, and the label column and the tasks' names
    were read as one cell. No glyph's stroke is that long, and a pen's is not that straight."""
    out: list[_Run] = []
    for runs in lines:
        if not runs:
            continue
        # the rules across this line (its runs share one position across)
        stops = [pos for start, end, pos in crossing if start - m.on_rule_pt <= runs[0].across <= end + m.on_rule_pt]

        def open_gap(a: _Run, b: _Run, stops: list[float] = stops) -> bool:  # a break within a row: no rule across at or inside it
            return b.start - a.end <= m.max_gap_pt and not any(a.end - m.on_rule_pt <= p <= b.start + m.on_rule_pt for p in stops)
        i = 0
        while i < len(runs):
            j = i
            # a gap from a rule across to the next is a merged row's inside (a goal's row between
            # two blocks whose verticals stand on the same columns), not a break: bridged, the
            # goal was cut into three cells and read as its first column's lines
            while j + 1 < len(runs) and open_gap(runs[j], runs[j + 1]):
                j += 1
            chain, i = runs[i:j + 1], j + 1
            first, last = chain[0], chain[-1]
            start_on = _stops_on_rule(first.start, first.across, False, crossing, m, m.end_overshoot_pt)
            end_on = _stops_on_rule(last.end, last.across, True, crossing, m, m.end_overshoot_pt)
            if sum(r.end - r.start for r in chain) < m.long_floating_pt or (start_on and end_on):
                continue
            above = [p for p in stops if first.start - m.max_reach_pt <= p < first.start]
            below = [p for p in stops if last.end < p <= last.end + m.max_reach_pt]
            if (not start_on and not above) or (not end_on and not below):
                continue
            if not start_on:
                out.append(_Run(max(above), first.start, first.across))
            out += [_Run(a.end, b.start, a.across) for a, b in zip(chain, chain[1:]) if b.start > a.end]
            if not end_on:
                out.append(_Run(last.end, min(below), last.across))
    return out


def _no_rule_on(at: float, crossing: list[tuple[float, float, float]], m: MendSettings) -> bool:
    """No rule across lies on `at` anywhere on the page: a row's rule that ends there inside the
    table ends on nothing, not on a merged cell's edge (which would be a rule across, found
    above or below the row if not on it). On a 200-dpi office scan the rule between a budget
    block's two rows faded 41 pt short of the label column's edge, with no rule across where it
    stopped, and the two labels shared one cell."""
    return not any(abs(pos - at) <= m.on_rule_pt for _, _, pos in crossing)


def strokes_past_the_edge(segments: list[Segment], m: MendSettings = DEFAULT) -> list[Segment]:
    """Horizontal pieces that start inside the table, alone on their line, and run past its edge
    (the last rule across them) by more than end_overshoot_pt and at most stroke_past_pt: a pen's
    stroke, not a rule, for a table's rules end on its edge. On a 200-dpi office scan a pen line
    from inside an indicator's target cell ran 14 pt past the table's right edge, cut the cell
    in two, and the indicator came out twice. A rule of a table whose edge went missing there
    runs past the last rule found by a whole column, further than stroke_past_pt."""
    out = []
    # along rows only: down the page, a title's glyph strokes standing on the table's top rule
    # (18 pt, 12-20 pt past it) would answer too, and those go with the title (glyph tables)
    crossing = [_along(s, False) for s in segments if not s.horizontal]
    for line in collinear_lines(segments, True, m.collinear_pt):
        # the line as a whole starts (ends) inside: a pen's stroke drawn twice over, or in
        # pieces, is a line of several (a doubled stroke 2.5 pt apart crossed a goal's cell on a
        # photo and ran 36 pt past the edge; kept, it cut the goal in two)
        first, last = min(s.x0 for s in line), max(s.x1 for s in line)
        across = line[0].y0
        stops = sorted(pos for lo, hi, pos in crossing if lo - m.on_rule_pt <= across <= hi + m.on_rule_pt)
        if len(stops) < 2:
            continue
        inside_start, inside_end = first > stops[0] + m.on_rule_pt, last < stops[-1] - m.on_rule_pt
        for piece in line:
            past_end, past_start = piece.x1 - stops[-1], stops[0] - piece.x0
            if (m.end_overshoot_pt < past_end <= m.stroke_past_pt and inside_start) or \
                    (m.end_overshoot_pt < past_start <= m.stroke_past_pt and inside_end):
                out.append(piece)
    return out


def _segment(r: _Run, horizontal: bool) -> Segment:
    return Segment(r.start, r.across, r.end, r.across) if horizontal else Segment(r.across, r.start, r.across, r.end)


def mend_broken_rules(segments: list[Segment], m: MendSettings = DEFAULT) -> list[Segment]:
    """`segments` plus the pieces that mend them: bridges across the gaps of a rule that starts
    and ends on rules across it, then verticals stopped short carried on to the next rule across,
    and rows' rules stopped short of the table's edge carried on to it."""
    added: list[Segment] = []
    # each direction's lines, worked out once: a direction's runs are the other's `ends`
    found = {horizontal: _runs_and_fills(segments, horizontal, m) for horizontal in (True, False)}
    for horizontal in (True, False):
        crossing = [_along(s, not horizontal) for s in segments if s.horizontal != horizontal]
        lines, fills = found[horizontal]
        ends = [(r.start, r.end, r.across) for line in found[not horizontal][0] for r in line]
        added += [_segment(r, horizontal) for r in fills + _bridges(lines, crossing, m, rows_merge=not horizontal, ends=ends)]
    mended = segments + added
    # only rules running down the page reach: a pen's underline runs along a line of text from a
    # cell's left rule and ends anywhere (on a photo one ended 37 pt into the amount column, and
    # carried on to its rule it cut a task's amount cell in two), while a column of glyph strokes
    # down the page is taken out by the glyph-run test before this
    crossing = [_along(s, True) for s in mended if s.horizontal]
    verticals = _runs(mended, False, m)
    reached = [_segment(r, False) for r in _reaches(verticals, crossing, m) + _long_floating(verticals, crossing, m)]
    # ... but a row's rule passing through two rules across or more, which no underline does
    # (the one above crossed one), to the table's edge: on a 200-dpi office scan the rule under
    # a budget block stopped 14 pt short of the table's left edge, and the goal's label ran into
    # the block's
    crossing = [_along(s, False) for s in mended + reached if not s.horizontal]
    rows = [_segment(r, True) for r in _reaches(_runs(mended, True, m), crossing, m, m.min_crossed_across)]
    if rows and m.inner_reach:
        # carried on to a rule, a row's rule may now start a chain of its pieces on one: bridge it
        # again (the budget row's rule above, broken in its middle)
        lines, _ = _runs_and_fills(mended + reached + rows, True, m)
        ends = [(r.start, r.end, r.across) for line in _runs(mended + reached, False, m) for r in line]
        rows += [_segment(r, True) for r in _bridges(lines, crossing, m, ends=ends)]
    return mended + reached + rows
