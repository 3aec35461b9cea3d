"""Count tables of the page and dimension levels: what metrics add up, pre-added per hour.

A metrics answer sums, per value, over the (value, session) groups and the visitors that have
rows in a range. The rows of those levels (rollup_levels.py) are about one per session and
value, so at 10M events a 30-day answer summed millions of them. Two tables per level hold
the same sums already added up over what a range can tell apart, each cell exact:

* ``*_group_counts`` — per (value, view, first hour, last hour) of the groups: how many
  groups, their pageviews, how many have at most one pageview (bounces), their spans
  (``max(last_at) - min(first_at)``, the positive ones summed and counted). A range [S, E)
  holds a group whole exactly when S <= first hour and last hour < E; a group that crosses S
  or E (a row of it in the range has its previous row before S or its next row at or after E,
  the level's neighbour hours) is summed from its rows in the range, and those are few.
* ``*_visitor_counts`` — per (value, view, hour, previous hour) of the rows: how many. A row
  opens its visitor in [S, E) when its hour is in it and its previous hour (of the same visitor
  and value) is NULL or before S — the level's own rule, now counted per cell.

A view is all rows (``human`` false) or the human rows alone (``human`` true, the rows of
``bot`` false, their groups and neighbour hours among human rows), so ``include_bots`` picks a
view. The tables change with the rows, in the same transaction: :func:`cells_before` and
:func:`cells_after` bracket a change to the rows of some sessions and visitors and add the
difference of their cells; retention recounts the groups it cuts in two (:func:`before_cut`,
:func:`after_cut`) and :func:`rebuild` recomputes both tables from the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance.analytics.warehouse.rollup_levels import DIMENSION, PAGES, Level

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb

_GROUP_SUMS = ("groups", "pageviews", "bounced", "span_us", "spans")
_DELTA = "counts_delta"  # a temp table of one change


@dataclass(frozen=True)
class Counts:
    """The two count tables of one level."""

    level: Level

    @property
    def prefix(self) -> str:
        return self.level.table.removesuffix("_rollups")

    @property
    def groups_table(self) -> str:
        return f"{self.prefix}_group_counts"

    @property
    def visitors_table(self) -> str:
        return f"{self.prefix}_visitor_counts"

    @property
    def values(self) -> tuple[str, ...]:
        """The level's value columns (``page``; ``dimension, value``)."""
        return self.level.dimensions

    def _value_columns(self) -> str:
        types = {
            "dimension": "UTINYINT NOT NULL",
            "url": "VARCHAR NOT NULL",
            "page": "VARCHAR NOT NULL",
        }
        return "".join(f"    {name} {types.get(name, 'VARCHAR')},\n" for name in self.values)

    def create(self) -> list[str]:
        return [
            f"CREATE TABLE {self.groups_table} (\n"
            "    website_id VARCHAR NOT NULL,\n"
            + self._value_columns()
            + "    human BOOLEAN NOT NULL,\n"
            "    first_hour TIMESTAMP NOT NULL,\n"
            "    last_hour TIMESTAMP NOT NULL,\n"
            + ",\n".join(f"    {name} BIGINT NOT NULL" for name in _GROUP_SUMS)
            + "\n)",
            f"CREATE TABLE {self.visitors_table} (\n"
            "    website_id VARCHAR NOT NULL,\n"
            + self._value_columns()
            + "    human BOOLEAN NOT NULL,\n"
            "    hour TIMESTAMP NOT NULL,\n"
            "    prev_hour TIMESTAMP,\n"
            "    visitors BIGINT NOT NULL\n)",
        ]

    # -- cells computed from the level's rows ---------------------------------------------

    def _view_rows(self, where: str) -> str:
        """The level's rows matching ``where`` (constant SQL over ``r``), once per view they
        belong to (every row in the all-rows view, human rows in the human view too)."""
        return (
            f"(SELECT r.*, v.human FROM {self.level.table} r "  # noqa: S608
            "CROSS JOIN (VALUES (false), (true)) v(human) "
            f"WHERE ({where}) AND (NOT v.human OR NOT r.bot))"
        )

    def group_cells(self, where: str) -> str:
        """SELECT: the group cells of the groups of the rows matching ``where`` — every row
        of each such group must match it (select whole sessions)."""
        values = ", ".join(self.values)
        return (
            f"SELECT website_id, {values}, human, first_hour, last_hour, "  # noqa: S608
            "count(*)::BIGINT AS groups, sum(pageviews)::BIGINT AS pageviews, "
            "sum((pageviews <= 1)::BIGINT)::BIGINT AS bounced, "
            "sum(CASE WHEN span > 0 THEN span ELSE 0 END)::BIGINT AS span_us, "
            "sum((span > 0)::BIGINT)::BIGINT AS spans "
            f"FROM (SELECT website_id, {values}, human, min(hour) AS first_hour, "
            "max(hour) AS last_hour, sum(pageviews) AS pageviews, "
            "epoch_us(max(last_at) - min(first_at)) AS span "
            f"FROM {self._view_rows(where)} "
            f"GROUP BY website_id, {values}, session_key, session_text, human) "
            f"GROUP BY website_id, {values}, human, first_hour, last_hour"
        )

    def visitor_cells(self, where: str) -> str:
        """SELECT: the visitor cells of the rows matching ``where``."""
        values = ", ".join(self.values)
        return (
            f"SELECT website_id, {values}, human, hour, "  # noqa: S608
            "CASE WHEN human THEN visitor_prev_human ELSE visitor_prev END AS prev_hour, "
            f"count(*)::BIGINT AS visitors FROM {self._view_rows(where)} "
            "GROUP BY ALL"
        )

    # -- applying a difference ------------------------------------------------------------

    def _key(self, kind: str) -> tuple[str, ...]:
        hours = ("first_hour", "last_hour") if kind == "groups" else ("hour", "prev_hour")
        return ("website_id", *self.values, "human", *hours)

    def _sums(self, kind: str) -> tuple[str, ...]:
        return _GROUP_SUMS if kind == "groups" else ("visitors",)

    def _table(self, kind: str) -> str:
        return self.groups_table if kind == "groups" else self.visitors_table

    def _same(self, kind: str, one: str, other: str) -> str:
        return " AND ".join(
            f"{one}.{name} IS NOT DISTINCT FROM {other}.{name}" for name in self._key(kind)
        )

    def apply(self, kind: str, new: str, old: str) -> list[str]:
        """Statements adding to the ``kind`` ("groups" or "visitors") table the cells of the
        SELECT ``new`` minus those of the table ``old`` (constant SQL; ``new``'s parameters
        go to the first statement)."""
        key = ", ".join(self._key(kind))
        sums = self._sums(kind)
        table = self._table(kind)
        negated = ", ".join(f"-{name} AS {name}" for name in sums)
        return [
            f"CREATE OR REPLACE TEMP TABLE {_DELTA} AS SELECT {key}, "  # noqa: S608
            + ", ".join(f"sum({name})::BIGINT AS {name}" for name in sums)
            + f" FROM ({new} UNION ALL BY NAME SELECT {key}, {negated} FROM {old}) "  # noqa: S608
            "GROUP BY ALL HAVING " + " OR ".join(f"sum({name}) <> 0" for name in sums),
            f"UPDATE {table} c SET "  # noqa: S608
            + ", ".join(f"{name} = c.{name} + d.{name}" for name in sums)
            + f" FROM {_DELTA} d WHERE {self._same(kind, 'c', 'd')}",
            f"INSERT INTO {table} BY NAME SELECT d.* FROM {_DELTA} d "  # noqa: S608
            f"ANTI JOIN {table} c ON {self._same(kind, 'c', 'd')}",
            f"DELETE FROM {table} c USING {_DELTA} d "  # noqa: S608
            f"WHERE {self._same(kind, 'c', 'd')} AND c.{sums[0]} = 0",
            f"DROP TABLE {_DELTA}",
        ]

    def rebuild(self, website: bool = False) -> list[str]:
        """Statements recomputing both tables from the level's rows (of the website ``?``
        with ``website``: each statement then takes it once)."""
        where = "r.website_id = ?" if website else "true"
        out: list[str] = []
        for kind in ("groups", "visitors"):
            cells = self.group_cells(where) if kind == "groups" else self.visitor_cells(where)
            out.append(
                f"DELETE FROM {self._table(kind)}"  # noqa: S608
                + (" WHERE website_id = ?" if website else "")
            )
            out.append(f"INSERT INTO {self._table(kind)} BY NAME {cells}")
        return out


PAGE_COUNTS = Counts(PAGES)
DIMENSION_COUNTS = Counts(DIMENSION)
COUNTS: tuple[Counts, ...] = (PAGE_COUNTS, DIMENSION_COUNTS)


def _rows_of(of: str, keys: str) -> str:
    """WHERE over ``r``: rows from the hour ``?`` on of the sessions or visitors (``of``)
    listed by ``keys`` (website_id, {of}_key, {of}_text)."""
    return (
        f"r.hour >= ? AND EXISTS (SELECT 1 FROM {keys} k "  # noqa: S608
        f"WHERE k.website_id = r.website_id AND k.{of}_key = r.{of}_key "
        f"AND k.{of}_text IS NOT DISTINCT FROM r.{of}_text)"
    )


def _cells(counts: Counts, kind: str, keys: str) -> str:
    if kind == "groups":
        return counts.group_cells(_rows_of("session", keys))
    return counts.visitor_cells(_rows_of("visitor", keys))


def _old(counts: Counts, kind: str) -> str:
    return f"counts_old_{counts.prefix}_{kind}"


def cells_before(
    connection: duckdb.DuckDBPyConnection, counts: Counts, kind: str, keys: str, since: Any
) -> None:
    """Before the rows of some sessions ("groups": ``keys`` is a constant table or subquery
    of website_id, session_key, session_text) or visitors ("visitors": of website_id,
    visitor_key, visitor_text) change from the hour ``since`` on: keep their cells."""
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_old(counts, kind)} AS {_cells(counts, kind, keys)}",
        [since],
    )


def cells_after(
    connection: duckdb.DuckDBPyConnection, counts: Counts, kind: str, keys: str, since: Any
) -> None:
    """After that change: add the difference of their cells to the table."""
    statements = counts.apply(kind, _cells(counts, kind, keys), _old(counts, kind))
    connection.execute(statements[0], [since])
    for statement in statements[1:]:
        connection.execute(statement)
    connection.execute(f"DROP TABLE {_old(counts, kind)}")


_BEGINNING = datetime(1970, 1, 1)  # before any row


def _cut_sessions(counts: Counts) -> str:
    return f"counts_cut_{counts.prefix}"


def before_cut(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> None:
    """Retention, before the rows before ``cutoff`` go: keep the cells of the groups with
    rows on both sides of it (the rows after it whose previous row of the session is before
    it), which will be recounted from the rows they keep."""
    for counts in COUNTS:
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {_cut_sessions(counts)} AS "  # noqa: S608
            "SELECT DISTINCT website_id, session_key, session_text "
            f"FROM {counts.level.table} WHERE hour >= ? "
            "AND (session_prev < ? OR session_prev_human < ?)",
            [cutoff] * 3,
        )
        cells_before(connection, counts, "groups", _cut_sessions(counts), _BEGINNING)


def after_cut(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> None:
    """Retention, after the rows before ``cutoff`` went and the neighbour hours before it
    became NULL: the cut groups are recounted, the groups and rows before it leave, and a
    row's previous hour before it is NULL now in the visitor cells too."""
    for counts in COUNTS:
        cells_after(connection, counts, "groups", _cut_sessions(counts), _BEGINNING)
        connection.execute(f"DROP TABLE {_cut_sessions(counts)}")
        connection.execute(
            f"DELETE FROM {counts.groups_table} WHERE last_hour < ?",  # noqa: S608
            [cutoff],
        )
        connection.execute(
            f"DELETE FROM {counts.visitors_table} WHERE hour < ?",  # noqa: S608
            [cutoff],
        )
        key = ", ".join(name for name in counts._key("visitors") if name != "prev_hour")
        moved = f"counts_moved_{counts.prefix}"
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {moved} AS SELECT * "  # noqa: S608
            f"FROM {counts.visitors_table} WHERE prev_hour < ?",
            [cutoff],
        )
        for statement in counts.apply(
            "visitors",
            f"SELECT {key}, NULL::TIMESTAMP AS prev_hour, visitors FROM {moved}",  # noqa: S608
            moved,
        ):
            connection.execute(statement)
        connection.execute(f"DROP TABLE {moved}")


def rebuild(connection: duckdb.DuckDBPyConnection, website_id: str | None = None) -> None:
    """Recompute every count table from the rows (of one website), in the caller's
    transaction."""
    for counts in COUNTS:
        for statement in counts.rebuild(website_id is not None):
            connection.execute(statement, [website_id] if website_id is not None else [])


def delete_website(connection: duckdb.DuckDBPyConnection, website_id: str) -> None:
    for counts in COUNTS:
        for table in (counts.groups_table, counts.visitors_table):
            connection.execute(f"DELETE FROM {table} WHERE website_id = ?", [website_id])  # noqa: S608
