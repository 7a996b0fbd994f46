"""The inputs of a run: files and page-image folders under the given paths.

Keys are exact bytes (so a name that is not UTF-8 is still one file); the
`rel` shown in outputs is valid UTF-8 (undecodable bytes become U+FFFD).
Hidden files and folders are skipped; folder symlinks are followed once
(a loop is reported, not walked); broken symlinks, symlink loops and folders
that cannot be listed are reported as notes, and the run goes on.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from formpipe.extract.document import INPUT_SUFFIXES, page_images


class InputError(Exception):
    """An input given on the command line does not exist or is not a file or folder."""


def display(name: str) -> str:
    """A file name as valid UTF-8: bytes that are not UTF-8 (surrogate-escaped by
    os.fsdecode) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class Source:
    path: Path
    rel: str  # relative to the input folder, '/'-separated, valid UTF-8 (the documents' source_path)
    root: Path | None = None  # the input folder (a file input's own folder)
    stamp: tuple[int, int] | None = None  # (size, mtime_ns) when listed
    base: Path | None = None  # the folder `rel` is relative to when not `root` (names shared by two inputs)

    @property
    def source_root(self) -> str:
        """The folder `rel` is relative to, absolute and '/'-separated (documents.source_root)."""
        return display(Path(os.path.abspath(self.base or self.root or self.path.parent)).as_posix())

    @property
    def key(self) -> bytes:  # exact, also for names that are not UTF-8
        return os.fsencode(os.path.relpath(self.path, self.root) if self.root else self.path.name)

    @property
    def root_key(self) -> bytes:
        return os.fsencode(os.path.abspath(self.root or self.path.parent))


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # inputs skipped, and why
    folders: dict[bytes, list[bytes]] = field(default_factory=dict)  # folder root -> sub-folders not listed
    unsupported: dict[str, int] = field(default_factory=dict)  # files skipped for their type: suffix -> count


def stamp_of(path: Path) -> tuple[int, int]:
    if path.is_dir():
        st = [f.stat() for f in page_images(path) or ()]
        return sum(s.st_size for s in st), max((s.st_mtime_ns for s in st), default=0)
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _why(e: OSError, path: str) -> str:
    if e.errno == 40:  # ELOOP
        return "symlink loop"
    if os.path.islink(path) and not os.path.exists(path):
        return "broken symlink"
    return f"cannot read ({e.strerror or e})"


def scan(inputs: list[Path]) -> Discovery:
    """Input files and page-image folders under the given files/folders, in a stable order.
    Hidden files and folders are skipped; folder symlinks are followed once (a loop is
    reported, not walked)."""
    found = Discovery()
    for root in inputs:
        if not os.path.lexists(root):
            raise InputError(f"input not found: {display(str(root))}")
        if root.is_file() or (root.is_dir() and page_images(root) is not None):
            # a file, or a folder of page images named itself: one document (like a file)
            found.sources.append(Source(root, display(root.name), root.parent, stamp_of(root)))
            continue
        if not root.is_dir():
            raise InputError(f"not a file or folder: {display(str(root))}")
        rkey = os.fsencode(os.path.abspath(root))
        unlisted = found.folders.setdefault(rkey, [])
        seen: set[tuple[int, int]] = set()
        mine: list[Source] = []

        def rel_of(p: str, root: Path = root) -> str:
            return display(Path(os.path.relpath(p, root)).as_posix())

        def unreadable(e: OSError, root: Path = root, unlisted: list = unlisted) -> None:
            found.notes.append((rel_of(e.filename, root), f"cannot list folder ({e.strerror})"))
            unlisted.append(os.fsencode(os.path.relpath(e.filename, root)))

        for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError as e:  # gone since it was listed
                found.notes.append((rel_of(dirpath), _why(e, dirpath)))
                dirnames[:] = []
                continue
            if (st.st_dev, st.st_ino) in seen:
                found.notes.append((rel_of(dirpath), "symlink loop (folder already listed)"))
                dirnames[:] = []
                continue
            seen.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if dirpath != str(root) and page_images(Path(dirpath)) is not None:
                try:
                    mine.append(Source(Path(dirpath), rel_of(dirpath), root, stamp_of(Path(dirpath))))
                except OSError as e:
                    found.notes.append((rel_of(dirpath), _why(e, dirpath)))
                dirnames[:] = []
                continue
            for name in filenames:
                if name.startswith("."):
                    continue
                suffix = Path(name).suffix.lower()
                if suffix not in INPUT_SUFFIXES:
                    kind = suffix or "(no extension)"
                    found.unsupported[kind] = found.unsupported.get(kind, 0) + 1
                    continue
                p = os.path.join(dirpath, name)
                try:
                    fst = os.stat(p)
                except OSError as e:
                    found.notes.append((rel_of(p), _why(e, p)))
                    continue
                if not stat.S_ISREG(fst.st_mode):
                    found.notes.append((rel_of(p), "not a regular file"))
                    continue
                mine.append(Source(Path(p), rel_of(p), root, (fst.st_size, fst.st_mtime_ns)))
        found.sources += sorted(mine, key=lambda s: (s.rel, s.key))
    found.sources = unique_rels(found.sources)
    return found


def unique_rels(sources: list[Source]) -> list[Source]:
    """Two inputs holding the same relative name (`A/form.pdf`, `B/form.pdf` given as files,
    or two folders each with `form.pdf`) would share a source_path: those are made relative to
    the folder their roots share instead, so every source_path of a run names one file."""
    by_rel: dict[str, list[Source]] = {}
    for s in sources:
        by_rel.setdefault(s.rel, []).append(s)
    out = []
    for s in sources:
        group = by_rel[s.rel]
        roots = {os.path.abspath(g.root or g.path.parent) for g in group}
        if len(roots) < 2:
            out.append(s)
            continue
        common = os.path.commonpath(sorted(roots))
        rel = display(Path(os.path.relpath(s.path, common)).as_posix())
        out.append(replace(s, rel=rel, base=Path(common)))
    return out


def discover(inputs: list[Path]) -> list[Source]:
    return scan(inputs).sources

