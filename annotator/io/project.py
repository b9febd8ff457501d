"""Project folders: project.yaml (name, label schema, settings) and the database.

project.yaml is read with ``yaml.safe_load`` semantics; every problem names the
file, the line and the field.

Over 500 lines because reading, checking and writing project.yaml are one
format: the writer keeps the reader's line map to insert added labels into
the file's own text (comments survive), under the same lock.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from annotator.core.errors import DatabaseProblem
from annotator.core.schema import LabelSchema, SchemaError, parse_schema
from annotator.io.assist_config import AssistSettings, parse_assist
from annotator.io.errors import InputProblem, ProjectProblem
from annotator.io.file_modes import give_mode
from annotator.io.files import DEFAULT_MAX_FILE_MB, read_regular
from annotator.io.safe_yaml import YamlLimitError, load_node
from annotator.paths import SCHEMAS_DIR, builtin_schema_names
from annotator.store.first_read import sqlite_path, sqlite_url

if TYPE_CHECKING:  # the database layer loads when a database is opened (docs/design.md, "Start-up")
    from annotator.store.db import Database

PROJECT_FILE = "project.yaml"
DEFAULT_DATABASE = "annotator.sqlite"
CONFIG_VERSION = 1

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Option:
    type: type
    default: Any
    description: str


SETTINGS: dict[str, Option] = {
    "snap_to_words": Option(bool, True, "Selections snap to word boundaries (hold Alt to avoid)."),
    "font_size": Option(int, 12, "Point size of the article text."),
    "show_all_annotators": Option(
        bool, False, "Open documents with every annotator's spans shown."
    ),
    "backups_keep": Option(
        int, 7, "Daily automatic backups of an SQLite project to keep in backups/ (0: none)."
    ),
    "max_file_mb": Option(
        int, DEFAULT_MAX_FILE_MB, "Import leaves out files larger than this many MB."
    ),
}
"""Every project-level setting, declared once with type, default and description."""

TOP_LEVEL_KEYS = {
    "version": "Version of the project.yaml format (this program writes 1).",
    "name": "The project's name, shown in the window title.",
    "description": "Free text about the project.",
    "database": "SQLite file relative to the folder, or a database URL (${ENV} expanded).",
    "schema": "Labels and relation types (see resources/schemas/news.yaml).",
    "settings": "Project-level settings: " + ", ".join(SETTINGS),
    "seed": "Folder of articles imported when the SQLite database is first created.",
    "seed_annotations": "Native JSONL file of annotations imported after the seed articles.",
    "annotators": "Names of the project's annotators (optional; anyone may annotate).",
    "reviewers": "Names of the reviewers, who may also write the gold layer.",
    "assist": "Where suggestions come from (see docs/assist.md).",
}


@dataclass(slots=True)
class Project:
    directory: Path
    name: str
    schema: LabelSchema
    database: str = DEFAULT_DATABASE
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    seed: str | None = None
    annotators: list[str] = field(default_factory=list)
    reviewers: list[str] | None = None
    """None when project.yaml does not say: the roles in the database stay."""
    assist: AssistSettings = field(default_factory=AssistSettings)
    seed_annotations: str | None = None
    """Native JSONL imported, after ``seed``, into the database it creates."""

    @property
    def config_path(self) -> Path:
        return self.directory / PROJECT_FILE

    @property
    def database_url(self) -> str:
        expanded = _expand_env(self.database, self.config_path)
        if "://" in expanded:
            return expanded
        path = Path(expanded)
        if not path.is_absolute():
            path = self.directory / path
        return sqlite_url(path)

    def setting(self, name: str) -> Any:
        return self.settings.get(name, SETTINGS[name].default)

    def open_database(self, *, create: bool = False, migrate: bool = False) -> Database:
        """Open the project's database; a seeded project builds its own on first use."""
        from annotator.store.db import open_database

        url = self.database_url
        path = sqlite_path(url)
        seeding = self.seed is not None and path is not None and not path.exists()
        try:
            db = open_database(url, create=create or seeding, migrate=migrate)
        except DatabaseProblem as exc:
            raise ProjectProblem(exc.where, exc.reason + self._backup_hint()) from exc
        if self.reviewers is not None:
            self._seed_roles(db)
        if not create and not seeding:
            self._daily_backup(db)
        if seeding and self.seed is not None and path is not None:
            from annotator.io.importer import import_paths

            try:
                report = import_paths(
                    db,
                    [self.directory / self.seed],
                    max_file_bytes=self.setting("max_file_mb") << 20,
                )
                if report.problems:
                    db.close()
                    raise report.problems[0]
                if self.seed_annotations is not None:
                    self._seed_annotations(db)
            except (InputProblem, ProjectProblem):
                # A half-built database would never be seeded again: the next open retries.
                for built in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    built.unlink(missing_ok=True)
                raise
        return db

    def _seed_annotations(self, db: Database) -> None:
        """Store ``seed_annotations`` whole or not at all: any problem, or a label
        the schema lacks, refuses it. Read here rather than by the labeled
        import, which works on a project (and would make io.project import itself)."""
        from annotator.io.formats import native
        from annotator.io.formats.importing import (
            ImportContext,
            LabelTally,
            UnknownLabels,
            vet_draft,
        )
        from annotator.store.import_writer import insert_annotated

        path = self.directory / (self.seed_annotations or "")
        tally = LabelTally(self.schema)
        drafts = []
        try:
            for record in native.read(path, ImportContext(schema=self.schema)):
                if isinstance(record, InputProblem):
                    raise record
                if record is None:
                    continue
                refused = vet_draft(record, self.schema, None)
                if refused:
                    raise InputProblem(record.origin or path, refused[0])
                tally.add(record)
                drafts.append(record)
            if tally.labels or tally.relations or tally.document_labels:
                raise ProjectProblem(
                    path, str(UnknownLabels(tally.labels, tally.relations, tally.document_labels))
                )
            with db.session() as session:
                insert_annotated(session, drafts)
        except (InputProblem, ProjectProblem):
            db.close()
            raise

    def _seed_roles(self, db: Database) -> None:
        """project.yaml's reviewers become the database's only while it has none
        (a new project); after that a difference is reported, not applied: roles
        change by ``annotator roles``, run by a reviewer."""
        import logging

        from annotator.store.repository import roles_difference, seed_roles

        with db.session() as session:
            seed_roles(session, self.reviewers or [])
            note = roles_difference(session, self.reviewers)
        if note is not None:
            logging.getLogger("annotator").warning("annotator: %s: %s", self.directory, note)

    def _daily_backup(self, db: Database) -> None:
        """The day's backup; one that cannot be made is reported, never fatal."""
        from annotator.io.backup import automatic_backup

        try:
            automatic_backup(db, self.directory, self.setting("backups_keep"))
        except ProjectProblem as exc:
            db.backup_problem = f"no daily backup: {exc}"
            logging.getLogger("annotator").warning("annotator: %s", db.backup_problem)

    def _backup_hint(self) -> str:
        from annotator.io.backup import backup_time, list_backups

        backups = list_backups(self.directory)
        if not backups:
            return ""
        when = backup_time(backups[-1])
        date = when.strftime("%Y-%m-%d %H:%M UTC") if when else backups[-1].name
        return f"; a backup from {date} exists: annotator restore {self.directory}"


def _expand_env(value: str, where: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ProjectProblem(where, f"database: environment variable {name} is not set")
        return os.environ[name]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", replace, value)


# --- YAML with line numbers -------------------------------------------------


def _load_yaml(text: str, path: Path) -> tuple[Any, dict[YamlPath, int]]:
    """safe_load, plus the 1-based line of every mapping key and list item."""
    try:
        node, data = load_node(text)
    except YamlLimitError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise ProjectProblem(path, f"refused: {exc.problem}", line) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        raise ProjectProblem(path, f"YAML syntax error: {problem}", line) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        reason = (
            f"character {exc.character!r} is not allowed in YAML"
            if isinstance(exc.character, str)
            else exc.reason
        )
        raise ProjectProblem(path, f"YAML error: {reason}", line) from exc
    except yaml.YAMLError as exc:
        raise ProjectProblem(path, f"YAML error: {str(exc).splitlines()[0]}") from exc
    lines: dict[YamlPath, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return data, lines


def _record_lines(node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _record_lines(value_node, (*path, key), lines)
            # A field's problem is reported on its key's line, not its value's.
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, (*path, i), lines)


def _line_of(path: YamlPath, lines: Mapping[YamlPath, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def _problem(
    file: Path, lines: Mapping[YamlPath, int], path: YamlPath, message: str
) -> ProjectProblem:
    field_name = ".".join(str(p) for p in path)
    text = f"{field_name}: {message}" if field_name else message
    return ProjectProblem(file, text, _line_of(path, lines))


# --- loading and creating ---------------------------------------------------


def find_config(directory: Path) -> Path:
    """The project.yaml of a project folder (or the file itself if given)."""
    if directory.is_file() and directory.name == PROJECT_FILE:
        return directory
    if not directory.exists():
        raise ProjectProblem(directory, "no such project folder")
    config = directory / PROJECT_FILE
    if not config.exists():
        raise ProjectProblem(directory, f"not a project folder (no {PROJECT_FILE})")
    return config


MAX_PROJECT_FILE_BYTES = 1 << 20
"""project.yaml (or a schema file) larger than this is refused unread."""


def _read_yaml_file(path: Path) -> str:
    """A YAML file's text, if it is a regular file within MAX_PROJECT_FILE_BYTES."""
    try:
        data = read_regular(path, MAX_PROJECT_FILE_BYTES)
    except InputProblem as exc:
        raise ProjectProblem(path, exc.message) from exc
    return data.decode("utf-8")


def load_project(directory: Path | str) -> Project:
    config = find_config(Path(directory))
    try:
        text = _read_yaml_file(config)
    except UnicodeDecodeError as exc:
        raise ProjectProblem(config, "not UTF-8 text") from exc
    except OSError as exc:
        raise ProjectProblem(config, f"cannot read the file ({exc.strerror or exc})") from exc
    data, lines = _load_yaml(text, config)
    return parse_project(data, lines, config)


def parse_project(data: Any, lines: Mapping[YamlPath, int], config: Path) -> Project:
    if not isinstance(data, Mapping):
        raise _problem(config, lines, (), "expected a mapping of settings at the top level")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise _problem(
                config, lines, (str(key),), f"unknown key (allowed: {', '.join(TOP_LEVEL_KEYS)})"
            )
    version = data.get("version", CONFIG_VERSION)
    if version != CONFIG_VERSION:
        if isinstance(version, int) and version > CONFIG_VERSION:
            message = f"format version {version} is newer than this program ({CONFIG_VERSION})"
        else:
            message = f"unknown format version {version!r}"
        raise _problem(config, lines, ("version",), message)
    name = data.get("name", config.parent.name)
    if not isinstance(name, str) or not name.strip():
        raise _problem(config, lines, ("name",), "must be non-empty text")
    description = data.get("description", "") or ""
    if not isinstance(description, str):
        raise _problem(config, lines, ("description",), "must be text")
    database = data.get("database", DEFAULT_DATABASE)
    if not isinstance(database, str) or not database.strip():
        raise _problem(config, lines, ("database",), "must be a file name or a database URL")
    if _has_password(database):
        raise _problem(
            config, lines, ("database",),
            "contains a password; use the environment, ~/.pgpass or a service file instead",
        )  # fmt: skip
    if "schema" not in data:
        raise _problem(config, lines, (), "no schema: add a 'schema:' with labels")
    try:
        schema = parse_schema(data["schema"], ("schema",))
    except SchemaError as exc:
        raise _problem(config, lines, exc.path, exc.message) from exc
    settings = _parse_settings(data.get("settings") or {}, lines, config)
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, str) or not (config.parent / seed).is_dir()):
        raise _problem(config, lines, ("seed",), f"{seed!r} is not a folder of articles")
    seed_annotations = data.get("seed_annotations")
    if seed_annotations is not None and (
        seed is None
        or not isinstance(seed_annotations, str)
        or not (config.parent / seed_annotations).is_file()
    ):
        raise _problem(
            config, lines, ("seed_annotations",),
            f"{seed_annotations!r} is not a native JSONL file beside a 'seed:' folder",
        )  # fmt: skip
    annotators = _parse_names(data, "annotators", lines, config)
    reviewers = _parse_names(data, "reviewers", lines, config) if "reviewers" in data else None
    assist = parse_assist(
        data.get("assist"), config.parent, schema, lambda p, m: _problem(config, lines, p, m)
    )
    return Project(
        config.parent, name.strip(), schema, database.strip(), description, settings, seed,
        annotators, reviewers, assist, seed_annotations,
    )  # fmt: skip


def check_database_url(database: str, where: Path) -> None:
    """Refuse a database URL with a password: it would be written into project.yaml."""
    if _has_password(database):
        raise ProjectProblem(
            where,
            "the database URL contains a password; use the environment (PGPASSWORD), "
            "~/.pgpass or a service file instead",
        )


def _has_password(database: str) -> bool:
    return re.match(r"^[a-z0-9+]+://[^/@]*:[^/@]*@", database) is not None


def _parse_names(
    data: Mapping[str, Any], key: str, lines: Mapping[YamlPath, int], config: Path
) -> list[str]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise _problem(config, lines, (key,), "expected a list of names")
    from annotator.core.model import name_problem

    for i, name in enumerate(raw):
        if not isinstance(name, str) or not name.strip():
            raise _problem(config, lines, (key, i), "expected a name")
        reserved = name_problem(name.strip())
        if reserved is not None:
            raise _problem(config, lines, (key, i), reserved)
    return [name.strip() for name in raw]


def _parse_settings(raw: Any, lines: Mapping[YamlPath, int], config: Path) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _problem(config, lines, ("settings",), "expected a mapping")
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        option = SETTINGS.get(key)
        if option is None:
            raise _problem(
                config, lines, ("settings", key), f"unknown setting (known: {', '.join(SETTINGS)})"
            )
        if type(value) is not option.type:
            raise _problem(
                config, lines, ("settings", key), f"expected {option.type.__name__}, got {value!r}"
            )
        settings[key] = value
    return settings


def load_schema_file(source: str) -> tuple[LabelSchema, Any]:
    """A schema by built-in name ("news") or from a YAML file; returns it and its data."""
    path = SCHEMAS_DIR / f"{source}.yaml" if source in builtin_schema_names() else Path(source)
    if not path.exists():
        raise ProjectProblem(
            path, f"no such schema (built-in ones: {', '.join(builtin_schema_names())})"
        )
    try:
        text = _read_yaml_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectProblem(path, f"cannot read the schema ({exc})") from exc
    data, lines = _load_yaml(text, path)
    # A schema file may be a bare schema or a whole project.yaml.
    prefix: YamlPath = ()
    if isinstance(data, Mapping) and "schema" in data:
        data, prefix = data["schema"], ("schema",)
    try:
        schema = parse_schema(data, prefix)
    except SchemaError as exc:
        raise _problem(path, lines, exc.path, exc.message) from exc
    return schema, schema.to_data()


def render_project_yaml(project: Project) -> str:
    header = (
        "# Annotator project. Edit the schema to make your own labels; see the user guide\n"
        '# (F1, "The label schema") for every field. Passwords never belong here.\n'
    )
    body: dict[str, Any] = {"version": CONFIG_VERSION, "name": project.name}
    if project.description:
        body["description"] = project.description
    body["database"] = project.database
    if project.seed:
        body["seed"] = project.seed
    if project.seed_annotations:
        body["seed_annotations"] = project.seed_annotations
    if project.annotators:
        body["annotators"] = list(project.annotators)
    if project.reviewers is not None:
        body["reviewers"] = list(project.reviewers)
    body["schema"] = project.schema.to_data()
    body["settings"] = {name: project.setting(name) for name in SETTINGS}
    if project.assist.raw is not None:
        body["assist"] = project.assist.raw
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


CONFIG_LOCK_WAIT_S = 30.0
"""How long a program waits for another one writing project.yaml."""


@contextmanager
def config_lock(config: Path) -> Iterator[None]:
    """Only one program at a time reads-and-rewrites project.yaml (project.yaml.lock)."""
    from filelock import FileLock, Timeout  # only writers need it (cold start reads)

    lock = FileLock(config.with_name(config.name + ".lock"), timeout=CONFIG_LOCK_WAIT_S)
    try:
        lock.acquire()
    except Timeout as exc:
        raise ProjectProblem(
            config, f"another program has been writing it for {CONFIG_LOCK_WAIT_S:.0f} s"
        ) from exc
    except OSError as exc:
        raise ProjectProblem(config, f"cannot lock it ({exc.strerror or exc})") from exc
    try:
        yield
    finally:
        lock.release()


def _write_atomically(target: Path, text: str) -> None:
    """Complete or not at all, in a file of its own: never a half-written project.yaml."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        give_mode(tmp, target)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_project(project: Project) -> None:
    """Write project.yaml atomically (temporary file, then rename)."""
    target = project.config_path
    with config_lock(target):
        _write_atomically(target, render_project_yaml(project))


def update_project(project: Project, change: Callable[[Project], None]) -> None:
    """Apply ``change`` to project.yaml as it is now on disk, under project.yaml.lock,
    and make ``project`` what was written: a window's settings never undo labels
    another program added since the window read the file. The file is rewritten
    whole (comments are not kept)."""
    config = project.config_path
    with config_lock(config):
        current = load_project(config)
        change(current)
        _write_atomically(config, render_project_yaml(current))
    for item in fields(Project):
        setattr(project, item.name, getattr(current, item.name))


def update_schema(project: Project, change: Callable[[LabelSchema], LabelSchema]) -> LabelSchema:
    """Apply ``change`` to the schema in project.yaml as it is now on disk.

    Read, change and write happen under project.yaml.lock, so two imports
    adding labels at once both keep theirs. Labels and relation types the
    change appends are inserted into the file's text, keeping its comments
    and layout; any other change (or a layout this cannot follow) rewrites
    the file. Returns the new schema (also set on ``project``).
    """
    config = project.config_path
    with config_lock(config):
        try:
            text = config.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProjectProblem(config, f"cannot read the file ({exc})") from exc
        current = load_project(config)
        schema = change(current.schema)
        if schema != current.schema:
            updated = _append_to_schema(text, current.schema, schema, config)
            if updated is None:
                current.schema = schema
                updated = render_project_yaml(current)
            _write_atomically(config, updated)
    project.schema = schema
    return schema


def _append_to_schema(text: str, old: LabelSchema, new: LabelSchema, config: Path) -> str | None:
    """``text`` with the labels and relation types ``new`` adds to ``old`` inserted
    at the end of their lists; None unless that is all ``new`` changes and the
    result reads back as ``new``."""
    n_labels, n_relations = len(old.labels), len(old.relations)
    if new.labels[:n_labels] != old.labels or new.relations[:n_relations] != old.relations:
        return None
    added = new.to_data()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        schema_node = _child(root, "schema")
        inserts: list[tuple[int, str]] = []
        for key, items in (
            ("labels", added["labels"][n_labels:]),
            ("relations", added["relations"][n_relations:]),
        ):
            if not items:
                continue
            spot = _list_end(text, _child(schema_node, key), items)
            if spot is None:
                return None
            inserts.append(spot)
    except yaml.YAMLError:
        return None
    for index, block in sorted(inserts, reverse=True):
        text = text[:index] + block + text[index:]
    try:
        if parse_project(*_load_yaml(text, config), config).schema != new:
            return None
    except ProjectProblem:
        return None
    return text


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value if isinstance(value, yaml.Node) else None
    return None


def _list_end(text: str, node: yaml.Node | None, items: list[Any]) -> tuple[int, str] | None:
    """Where to insert ``items`` after the last one of a block list, and the text."""
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        return None
    column = node.start_mark.column  # the "-" of each item
    # A collection's end mark is where the next token starts; its last scalar's
    # is right after the text: the last item ends on that scalar's line.
    last = node.value[-1]
    while isinstance(last, yaml.MappingNode | yaml.SequenceNode) and last.value:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    end = last.end_mark.index
    if last.end_mark.column != 0:  # ends inside a line: insert after that line
        newline = text.find("\n", end)
        end = len(text) if newline == -1 else newline + 1
    block = yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=100)
    indented = "".join(" " * column + line for line in block.splitlines(keepends=True))
    if end > 0 and text[end - 1] != "\n":
        indented = "\n" + indented
    return end, indented


def create_project(
    directory: Path | str,
    *,
    schema: str = "news",
    name: str | None = None,
    database: str | None = None,
) -> Project:
    """Create a project folder with project.yaml and an empty database."""
    directory = Path(directory)
    config = directory / PROJECT_FILE
    if config.exists():
        raise ProjectProblem(config, "a project already exists here")
    if directory.exists() and not directory.is_dir():
        raise ProjectProblem(directory, "exists and is not a folder")
    if database:
        check_database_url(database, config)
    label_schema, _ = load_schema_file(schema)
    project = Project(
        directory=directory.resolve(),
        name=name or directory.resolve().name,
        schema=label_schema,
        database=database or DEFAULT_DATABASE,
    )
    made_folder = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectProblem(
            directory, f"cannot create the folder ({exc.strerror or exc})"
        ) from exc
    try:
        db = project.open_database(create=True)
    except ProjectProblem:
        if made_folder:  # leave nothing behind for a project that was not made
            shutil.rmtree(directory, ignore_errors=True)
        raise
    db.close()
    # A new project: nothing to serialise with, so no project.yaml.lock beside it.
    _write_atomically(project.config_path, render_project_yaml(project))
    return project
